#!/usr/bin/env python3
"""Generates the demo's 500+ message session: a labeling QA lead questioning a shelf-audit data set.

The answers come from a small synthetic data set built here, so counts, ids and tables agree
across the whole session. A few replies are deliberately wrong (a miscounted percentage, a
guideline misquoted, a claim the tool result does not support) so that rating them means
something. Everything is seeded: the same script always writes the same line.

    python3 assets/demo/make_long_session.py            # print the JSON line
    python3 assets/demo/make_long_session.py --write    # replace that session in sessions.jsonl
"""

import argparse
import hashlib
import json
import random
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20261123
SESSION_NAME = "Labeling QA: shelf audit batch 07"
START = datetime(2026, 11, 23, 8, 30, 0, tzinfo=timezone.utc)
COLLECTION = "col_shelf_b07"
TURNS = 185

LABELS = ["out_of_stock", "low_stock", "misplaced_item", "price_tag_missing", "price_tag_mismatch",
          "planogram_gap", "damaged_packaging", "promo_display"]
EXCLUSIVE = "blurry_unusable"
BASE_RATE = {"out_of_stock": 0.09, "low_stock": 0.14, "misplaced_item": 0.06, "price_tag_missing": 0.08,
             "price_tag_mismatch": 0.04, "planogram_gap": 0.03, "damaged_packaging": 0.02, "promo_display": 0.07}
CATEGORIES = ["dairy", "snacks", "beverages", "cereal", "personal_care", "frozen", "produce", "household"]
CATEGORY_BIAS = {"frozen": {"out_of_stock": 1.6, "low_stock": 1.3}, "produce": {"damaged_packaging": 2.5, "low_stock": 1.5},
                 "beverages": {"promo_display": 1.8}, "snacks": {"misplaced_item": 1.7, "promo_display": 1.4},
                 "personal_care": {"price_tag_mismatch": 1.9}, "dairy": {"out_of_stock": 1.3}}
STORES = [f"store_{n:04d}" for n in (412, 418, 433, 457, 461, 502, 519, 526, 588, 590, 604, 617,
                                      633, 640, 671, 702, 715, 733, 748, 760, 781, 806, 822, 839)]
LABELERS = [f"lab_{n:02d}" for n in range(1, 10)]

GUIDELINES = """Batch 07 labeling guidelines (summary):
1. out_of_stock: a facing with no units visible while its shelf-edge tag is present. Empty facing and no tag: planogram_gap instead.
2. low_stock: units visible but the facing is less than 25% filled.
3. misplaced_item: a product sits in a facing whose tag names a different product. Only when both are readable.
4. price_tag_missing: no tag under a facing, or the price is covered and cannot be read. A partly covered tag whose price is readable is not missing.
5. price_tag_mismatch: the tag is readable but names a different product than the one above it.
6. planogram_gap: an empty facing with no tag.
7. damaged_packaging: a visible dent, tear or leak on a front-facing unit.
8. promo_display: end caps and free-standing displays; label the image once, not per facing.
9. blurry_unusable: more than half of the shelf is unreadable (blur, glare, condensation). Exclusive: no other labels.
10. Label only what is readable. Several labels per image are allowed except with blurry_unusable."""


def build_dataset(rng):
    """4,800 images with stores, aisles, labels, labelers and agreement scores."""
    store_factor = {s: rng.choice([0.7, 0.85, 1.0, 1.0, 1.15, 1.4]) for s in STORES}
    store_factor["store_0588"] = 1.6  # one store the QA lead keeps coming back to
    labeler_base = {lab: rng.uniform(0.72, 0.93) for lab in LABELERS}
    labeler_base["lab_06"] = 0.64
    images = []
    for n in range(1, 4801):
        store = STORES[(n - 1) % len(STORES)]
        category = rng.choice(CATEGORIES)
        labeler = rng.choice(LABELERS)
        if rng.random() < 0.03:
            labels = [EXCLUSIVE]
        else:
            labels = []
            for label in LABELS:
                p = BASE_RATE[label] * CATEGORY_BIAS.get(category, {}).get(label, 1.0)
                if label in ("out_of_stock", "low_stock", "planogram_gap"):
                    p *= store_factor[store]
                if rng.random() < p:
                    labels.append(label)
            if "out_of_stock" in labels and "planogram_gap" in labels:
                labels.remove("planogram_gap")
        agreement = round(min(1.0, max(0.34, rng.gauss(labeler_base[labeler], 0.09))), 2)
        day = 17 + (n - 1) * 4 // 4800  # labeled over 17-20 November
        status = "disputed" if agreement < 0.6 else ("pending" if rng.random() < 0.12 else "accepted")
        images.append({
            "document_id": f"img_b07_{n:06d}", "store": store, "aisle": f"A{rng.randint(1, 18):02d}",
            "category": category, "labels": labels, "labeler": labeler, "agreement": agreement,
            "review_status": status,
            "labeled_at": f"2026-11-{day:02d}T{rng.randint(7, 17):02d}:{rng.randint(0, 59):02d}:00Z"})
    return images


class Session:
    def __init__(self):
        self.t = START
        self.messages = []
        self.calls = 0

    def _add(self, msg, seconds):
        self.t += timedelta(seconds=seconds)
        msg["timestamp"] = self.t.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.messages.append(msg)

    def system(self, text):
        self._add({"role": "system", "content": text}, 1)

    def user(self, text, seconds):
        self._add({"role": "user", "content": text}, seconds)

    def assistant(self, text, seconds, calls=None):
        msg = {"role": "assistant", "content": text}
        ids = []
        if calls:
            msg["tool_calls"] = []
            for name, args in calls:
                self.calls += 1
                call_id = "call_" + hashlib.sha1(f"{SESSION_NAME}/{self.calls}".encode()).hexdigest()[:14]
                ids.append(call_id)
                msg["tool_calls"].append({"id": call_id, "type": "function",
                                          "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)}})
        self._add(msg, seconds)
        return ids

    def tool(self, call_id, result, seconds):
        self._add({"role": "tool", "tool_call_id": call_id, "content": json.dumps(result, ensure_ascii=False)}, seconds)


def pct(part, whole):
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def human(label):
    return label.replace("_", " ")


class Generator:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.images = build_dataset(self.rng)
        self.by_id = {img["document_id"]: img for img in self.images}
        self.s = Session()
        self.flaws = 0
        self.guideline_queue = list(GUIDELINE_QA)
        self.rng.shuffle(self.guideline_queue)
        self.relabeled = set()

    # --- helpers -------------------------------------------------------------
    def pick(self, options):
        return self.rng.choice(options)

    def think(self):
        return self.rng.randint(2, 9)

    def typing(self, text):
        return self.rng.randint(15, 70) + len(text) // 3

    def reading(self):
        return self.rng.randint(3, 12)

    def where(self, label=None, store=None, category=None, status=None, labeler=None):
        out = []
        for img in self.images:
            if label and label not in img["labels"]:
                continue
            if store and img["store"] != store:
                continue
            if category and img["category"] != category:
                continue
            if status and img["review_status"] != status:
                continue
            if labeler and img["labeler"] != labeler:
                continue
            out.append(img)
        return out

    def filters(self, **kw):
        f = {}
        for key, field in (("label", "labels"), ("store", "store"), ("category", "category"),
                           ("status", "review_status"), ("labeler", "labeler")):
            if kw.get(key):
                f[field] = kw[key]
        return f

    def maybe_flaw(self, rate=0.06):
        if self.rng.random() < rate:
            self.flaws += 1
            return True
        return False

    def ask(self, text):
        self.s.user(text, self.typing(text))

    # --- turn kinds ----------------------------------------------------------
    def count_label(self):
        label = self.pick(LABELS + [EXCLUSIVE])
        q = self.pick([f"how many {label} in the whole batch?", f"total count for {label}?",
                       f"How many images are labeled {label} so far?", f"{label}: how many overall"])
        self.ask(q)
        n = len(self.where(label=label))
        [cid] = self.s.assistant("", self.think(), [("count_documents", {"collection_id": COLLECTION, "filters": self.filters(label=label)})])
        self.s.tool(cid, {"count": n}, 1)
        shown = pct(n, 4800)
        if self.maybe_flaw():
            shown = pct(n, 4800 - len(self.where(label=EXCLUSIVE)))  # silently drops the unusable images from the base
        self.s.assistant(self.pick([
            f"**{n:,}** images have `{label}`, which is {shown} of the 4,800 in the batch.",
            f"{n:,} of 4,800 ({shown}).",
            f"`{label}` appears on **{n:,}** images ({shown} of the batch).",
        ]), self.reading())

    def count_label_store(self):
        label = self.pick(["out_of_stock", "low_stock", "price_tag_missing", "misplaced_item", "planogram_gap"])
        store = self.pick(STORES)
        q = self.pick([f"and {label} in {store}?", f"how many {label} does {store} have",
                       f"{store}, {label} count pls", f"What about {store}? {label} only."])
        self.ask(q)
        hits = self.where(label=label, store=store)
        total = len(self.where(store=store))
        [cid] = self.s.assistant("", self.think(), [("count_documents", {"collection_id": COLLECTION, "filters": self.filters(label=label, store=store)})])
        self.s.tool(cid, {"count": len(hits), "store_total": total}, 1)
        self.s.assistant(self.pick([
            f"`{store}`: **{len(hits)}** of its {total} images ({pct(len(hits), total)}).",
            f"{len(hits)} in `{store}`, out of {total} images from that store, so {pct(len(hits), total)}.",
        ]), self.reading())

    def breakdown_category(self):
        label = self.pick(LABELS)
        self.ask(self.pick([f"break down {label} by category", f"{label} per category?",
                            f"Which categories have the most {label}?"]))
        counts = Counter(img["category"] for img in self.where(label=label))
        totals = Counter(img["category"] for img in self.images)
        [cid] = self.s.assistant("", self.think(), [("aggregate_documents", {
            "collection_id": COLLECTION, "filters": self.filters(label=label), "group_by": "category"})])
        self.s.tool(cid, {"groups": [{"category": c, "count": counts[c], "category_total": totals[c]} for c in CATEGORIES]}, 1)
        rows = sorted(CATEGORIES, key=lambda c: -counts[c] / totals[c])
        table = "| Category | Images | Rate |\n|---|---:|---:|\n" + "\n".join(
            f"| {c} | {counts[c]} | {pct(counts[c], totals[c])} |" for c in rows)
        top = rows[0]
        claim = f"**{top}** has the highest rate."
        if self.maybe_flaw(0.15):
            top = max(CATEGORIES, key=lambda c: counts[c])
            claim = f"**{top}** has the most, and it's not close." if top != rows[0] else claim
        self.s.assistant(f"`{label}` by category, highest rate first:\n\n{table}\n\n{claim}", self.reading())

    def breakdown_store(self):
        label = self.pick(["out_of_stock", "low_stock", "planogram_gap"])
        self.ask(self.pick([f"top 5 stores for {label}?", f"which stores are worst for {label}",
                            f"rank stores by {label} rate, just the top few"]))
        counts = Counter(img["store"] for img in self.where(label=label))
        totals = Counter(img["store"] for img in self.images)
        [cid] = self.s.assistant("", self.think(), [("aggregate_documents", {
            "collection_id": COLLECTION, "filters": self.filters(label=label), "group_by": "store"})])
        self.s.tool(cid, {"groups": [{"store": s, "count": counts[s], "store_total": totals[s]} for s in STORES]}, 1)
        rows = sorted(STORES, key=lambda s: (-counts[s] / totals[s], s))[:5]
        table = "| # | Store | Images | Rate |\n|---|---|---:|---:|\n" + "\n".join(
            f"| {i} | `{s}` | {counts[s]} | {pct(counts[s], totals[s])} |" for i, s in enumerate(rows, 1))
        note = ""
        if rows[0] == "store_0588":
            note = "\n\n`store_0588` again. Its rate is high enough that I'd check its photos for a systematic cause (bad angle, early-morning capture) before blaming the store."
        self.s.assistant(f"Top 5 by rate (every store has 200 images, so counts compare too):\n\n{table}{note}", self.reading())

    def examples(self):
        label = self.pick(LABELS)
        category = self.pick(CATEGORIES)
        self.ask(self.pick([f"show me 3 examples of {label} in {category}", f"give me a few {label} from {category}",
                            f"can I see some {category} images with {label}?"]))
        hits = self.where(label=label, category=category)[:3]
        [cid] = self.s.assistant("", self.think(), [("execute_adhoc_retriever", {
            "collection_ids": [COLLECTION],
            "stages": [{"stage_id": "attribute_filter", "parameters": {"filters": self.filters(label=label, category=category)}},
                       {"stage_id": "limit", "parameters": {"limit": 3}}]})])
        self.s.tool(cid, {"documents_returned": len(hits), "results": [
            {k: img[k] for k in ("document_id", "store", "aisle", "labels", "labeler", "agreement")} for img in hits]}, 1)
        if not hits:
            self.s.assistant(f"None: no `{category}` image carries `{label}` in this batch.", self.reading())
            return
        lines = "\n".join(
            f"- `{img['document_id']}`: {img['store']}, aisle {img['aisle']}, labels {', '.join(img['labels'])} "
            f"(by {img['labeler']}, agreement {img['agreement']:.2f})" for img in hits)
        extra = ""
        low = [img for img in hits if img["agreement"] < 0.6]
        if low:
            extra = f"\n\n`{low[0]['document_id']}` has low agreement ({low[0]['agreement']:.2f}); it's probably disputed."
        self.s.assistant(f"{len(hits)} example{'s' if len(hits) > 1 else ''}:\n\n{lines}{extra}", self.reading())

    def document(self):
        img = self.pick(self.images)
        self.ask(self.pick([f"what's on {img['document_id']}?", f"open {img['document_id']}",
                            f"details for {img['document_id']} please", f"who labeled {img['document_id']} and what did they say"]))
        [cid] = self.s.assistant("", self.think(), [("get_document", {"collection_id": COLLECTION, "document_id": img["document_id"]})])
        self.s.tool(cid, img, 1)
        labels = ", ".join(f"`{lab}`" for lab in img["labels"]) or "*no labels* (a clean shelf)"
        self.s.assistant(
            f"`{img['document_id']}`: **{img['category']}** in {img['store']}, aisle {img['aisle']}.\n"
            f"- Labels: {labels}\n- Labeler: {img['labeler']}, {img['labeled_at'][:10]}\n"
            f"- Agreement: {img['agreement']:.2f}, status **{img['review_status']}**", self.reading())

    def typo(self):
        img = self.pick(self.images)
        n = img["document_id"][-6:]
        bad = f"img_b07_{n.lstrip('0')}" if n.lstrip("0") != n else f"img_b7_{n}"
        self.ask(self.pick([f"open {bad}", f"what labels does {bad} have", f"check {bad}"]))
        [cid] = self.s.assistant("", self.think(), [("get_document", {"collection_id": COLLECTION, "document_id": bad})])
        self.s.tool(cid, {"error": "document not found"}, 1)
        if self.rng.random() < 0.5:
            [cid2] = self.s.assistant(
                f"No document has the id `{bad}`. Ids in this batch are zero-padded to six digits, so I'll try `{img['document_id']}`.",
                self.think(), [("get_document", {"collection_id": COLLECTION, "document_id": img["document_id"]})])
            self.s.tool(cid2, img, 1)
            labels = ", ".join(img["labels"]) or "none"
            self.s.assistant(f"`{img['document_id']}` ({img['category']}, {img['store']}): labels **{labels}**, "
                             f"agreement {img['agreement']:.2f}, {img['review_status']}.", self.reading())
        else:
            self.s.assistant(f"`{bad}` doesn't exist. Did you mean `{img['document_id']}`? Ids are `img_b07_` plus six digits.",
                             self.reading())
            self.ask(self.pick(["yes that one", "yep", "yes"]))
            [cid2] = self.s.assistant("", self.think(), [("get_document", {"collection_id": COLLECTION, "document_id": img["document_id"]})])
            self.s.tool(cid2, img, 1)
            labels = ", ".join(img["labels"]) or "none"
            self.s.assistant(f"Labels: **{labels}**. Labeled by {img['labeler']}, agreement {img['agreement']:.2f}, "
                             f"status {img['review_status']}.", self.reading())

    def guideline(self):
        if not self.guideline_queue:
            return self.count_label()
        q, a = self.guideline_queue.pop()
        self.ask(q)
        self.s.assistant(a, self.think() + len(a) // 150)

    def agreement(self):
        self.ask(self.pick(["which labelers have the lowest agreement?", "agreement by labeler?",
                            "Show me inter-annotator agreement per labeler, worst first"]))
        by = defaultdict(list)
        for img in self.images:
            by[img["labeler"]].append(img["agreement"])
        [cid] = self.s.assistant("", self.think(), [("aggregate_documents", {
            "collection_id": COLLECTION, "group_by": "labeler", "metrics": ["count", "avg:agreement"]})])
        stats = {lab: (len(v), sum(v) / len(v)) for lab, v in by.items()}
        self.s.tool(cid, {"groups": [{"labeler": lab, "count": stats[lab][0], "avg_agreement": round(stats[lab][1], 3)} for lab in LABELERS]}, 1)
        rows = sorted(LABELERS, key=lambda lab: stats[lab][1])
        table = "| Labeler | Images | Avg agreement |\n|---|---:|---:|\n" + "\n".join(
            f"| {lab} | {stats[lab][0]} | {stats[lab][1]:.3f} |" for lab in rows)
        self.s.assistant(f"Worst first:\n\n{table}\n\n**{rows[0]}** stands out. Low agreement can mean a misunderstanding of one rule "
                         f"rather than careless work, so look at which labels they disagree on before retraining.", self.reading())

    def disputed(self):
        category = self.pick([None, None] + CATEGORIES)
        where = f" in {category}" if category else ""
        self.ask(self.pick([f"how many are disputed right now{where}?", f"disputed count{where}?"]))
        n = len(self.where(status="disputed", category=category))
        [cid] = self.s.assistant("", self.think(), [("count_documents", {"collection_id": COLLECTION,
                                                                         "filters": self.filters(status="disputed", category=category)})])
        self.s.tool(cid, {"count": n}, 1)
        self.s.assistant(self.pick([f"**{n}** disputed{where}.", f"{n} images{where} are in `disputed`."]), self.reading())

    def semantic(self):
        query, label = self.pick([
            ("shelf mostly empty, bare metal visible", "out_of_stock"),
            ("price tag covered by a promotional sticker", "price_tag_missing"),
            ("torn or crushed box at the front of the shelf", "damaged_packaging"),
            ("free-standing cardboard display in the aisle", "promo_display"),
        ])
        self.ask(self.pick([f"find images that look like '{query}' but aren't labeled {label}",
                            f"can you search for {query} where nobody put {label}? want to catch misses"]))
        pool = [img for img in self.images if label not in img["labels"] and EXCLUSIVE not in img["labels"]]
        hits = self.rng.sample(pool, 4)
        scores = sorted((round(self.rng.uniform(0.71, 0.86), 3) for _ in hits), reverse=True)
        [cid] = self.s.assistant("", self.think(), [("smart_search", {
            "query": query, "collection_ids": [COLLECTION], "exclude_filters": {"labels": label}, "limit": 4})])
        self.s.tool(cid, {"results": [dict(document_id=img["document_id"], score=sc, store=img["store"], labels=img["labels"])
                                      for img, sc in zip(hits, scores)]}, 1)
        lines = "\n".join(f"- `{img['document_id']}` (score {sc}), labeled {', '.join(img['labels']) or 'nothing'}"
                          for img, sc in zip(hits, scores))
        if self.maybe_flaw(0.3):
            verdict = f"All four are clearly **missed `{label}` labels**; I'd relabel them."
        else:
            verdict = "These are candidates, not confirmed misses: a high score means the image *looks* similar. Someone should eyeball them."
        self.s.assistant(f"Top matches without `{label}`:\n\n{lines}\n\n{verdict}", self.reading())

    def compare_stores(self):
        a, b = self.rng.sample(STORES, 2)
        if self.rng.random() < 0.4:
            a = "store_0588"
        if a == b:
            b = "store_0412"
        label = self.pick(["out_of_stock", "low_stock"])
        self.ask(self.pick([f"is {a} worse than {b} for {label}?", f"compare {a} and {b} on {label}"]))
        ca, cb = len(self.where(label=label, store=a)), len(self.where(label=label, store=b))
        ta, tb = len(self.where(store=a)), len(self.where(store=b))
        ids = self.s.assistant("", self.think(), [
            ("count_documents", {"collection_id": COLLECTION, "filters": self.filters(label=label, store=a)}),
            ("count_documents", {"collection_id": COLLECTION, "filters": self.filters(label=label, store=b)})])
        self.s.tool(ids[0], {"count": ca, "store_total": ta}, 1)
        self.s.tool(ids[1], {"count": cb, "store_total": tb}, 1)
        ra, rb = ca / ta, cb / tb
        if abs(ca - cb) <= 4:
            verdict = "That's within noise for 200 images each; I wouldn't call either store worse on this alone."
        else:
            worse = a if ra > rb else b
            verdict = f"So **{worse}** is worse on `{label}`."
        self.s.assistant(f"- `{a}`: {ca}/{ta} ({pct(ca, ta)})\n- `{b}`: {cb}/{tb} ({pct(cb, tb)})\n\n{verdict}", self.reading())

    def relabel(self):
        candidates = [img for img in self.images if img["review_status"] == "disputed" and img["document_id"] not in self.relabeled]
        img = self.pick(candidates)
        self.relabeled.add(img["document_id"])
        new = self.pick([lab for lab in LABELS if lab not in img["labels"]])
        old = ", ".join(img["labels"]) or "no labels"
        self.ask(self.pick([f"set {img['document_id']} to {new}, I checked it", f"change {img['document_id']} labels to just {new}"]))
        self.s.assistant(f"`{img['document_id']}` currently has **{old}** (status disputed). I'll replace that with **{new}** "
                         f"and mark it `accepted` with you as reviewer. Confirm?", self.think())
        self.ask(self.pick(["yes", "confirm", "yes go"]))
        [cid] = self.s.assistant("", self.think(), [("update_document", {
            "collection_id": COLLECTION, "document_id": img["document_id"],
            "set": {"labels": [new], "review_status": "accepted", "reviewed_by": "qa_lead"}})])
        self.s.tool(cid, {"document_id": img["document_id"], "updated": True, "labels": [new], "review_status": "accepted"}, 1)
        img["labels"], img["review_status"] = [new], "accepted"
        self.s.assistant(self.pick(["Done.", f"Updated: `{img['document_id']}` is now `{new}`, accepted.", "Saved."]), self.reading())

    def export(self):
        category = self.pick(CATEGORIES)
        self.ask(self.pick([f"export the disputed {category} ones as a manifest for the second pass",
                            f"make me a manifest of disputed {category} images"]))
        n = len(self.where(status="disputed", category=category))
        [cid] = self.s.assistant("", self.think(), [("export_manifest", {
            "collection_id": COLLECTION, "filters": self.filters(status="disputed", category=category),
            "fields": ["document_id", "store", "aisle", "labels", "labeler"], "format": "csv"})])
        name = f"b07_disputed_{category}.csv"
        self.s.tool(cid, {"manifest": f"exports/{name}", "rows": n, "expires_in_hours": 72}, 1)
        self.s.assistant(f"Exported **{n}** rows to `exports/{name}` (kept for 72 hours). Columns: document_id, store, aisle, labels, labeler.",
                         self.reading())

    def labeler_output(self):
        lab = self.pick(LABELERS)
        day = self.pick(["17", "18", "19", "20"])
        self.ask(self.pick([f"how many did {lab} label on the {day}th?", f"{lab} output on nov {day}?"]))
        n = sum(1 for img in self.where(labeler=lab) if img["labeled_at"][8:10] == day)
        [cid] = self.s.assistant("", self.think(), [("count_documents", {
            "collection_id": COLLECTION, "filters": {"labeler": lab, "labeled_at": {"gte": f"2026-11-{day}T00:00:00Z", "lt": f"2026-11-{int(day) + 1}T00:00:00Z"}}})])
        self.s.tool(cid, {"count": n}, 1)
        self.s.assistant(self.pick([f"{lab} labeled **{n}** images on 2026-11-{day}.", f"{n} images."]), self.reading())

    def share_with_issue(self):
        category = self.pick(CATEGORIES)
        self.ask(self.pick([f"what share of {category} images have any issue at all?",
                            f"{category}: % of images with at least one label?"]))
        imgs = self.where(category=category)
        issues = [img for img in imgs if img["labels"] and EXCLUSIVE not in img["labels"]]
        unusable = [img for img in imgs if EXCLUSIVE in img["labels"]]
        ids = self.s.assistant("", self.think(), [
            ("count_documents", {"collection_id": COLLECTION, "filters": {"category": category}}),
            ("count_documents", {"collection_id": COLLECTION, "filters": {"category": category, "labels": {"any_of": LABELS}}})])
        self.s.tool(ids[0], {"count": len(imgs)}, 1)
        self.s.tool(ids[1], {"count": len(issues)}, 1)
        shown = pct(len(issues), len(imgs))
        if self.maybe_flaw(0.12):
            shown = pct(len(imgs) - len(issues), len(imgs))  # reports the clean share as the issue share
        self.s.assistant(f"**{shown}** of {category} images have at least one issue label ({len(issues)} of {len(imgs)}). "
                         f"That excludes the {len(unusable)} marked `blurry_unusable`.", self.reading())

    def chatter(self):
        q, a = self.pick(CHATTER)
        self.ask(q)
        self.s.assistant(a, self.reading())
        if q.startswith("coffee"):
            self.s.t += timedelta(minutes=self.rng.randint(9, 14))
            self.s.user("ok back", 20)
            self.s.assistant("Welcome back.", 3)

    def run(self):
        s = self.s
        s.system("You are the data assistant for the Mixpeek namespace `retail-audit`. The collection `col_shelf_b07` holds "
                 "4,800 shelf photos from 24 stores (200 each), labeled by 9 labelers. Use tools for any number or document; "
                 "changes to documents need the user's confirmation.\n\n" + GUIDELINES)
        s.user("morning! I'm doing QA on batch 07 today, I'll be firing a lot of questions at you", 40)
        s.assistant("Morning! Ready when you are. The batch has 4,800 images across 24 stores; ask about counts, examples, "
                    "specific images or the guidelines.", 4)
        kinds = [(self.count_label, 10), (self.count_label_store, 10), (self.breakdown_category, 5), (self.breakdown_store, 4),
                 (self.examples, 9), (self.document, 10), (self.typo, 3), (self.guideline, 12), (self.agreement, 2),
                 (self.disputed, 5), (self.semantic, 4), (self.compare_stores, 5), (self.relabel, 4), (self.export, 2),
                 (self.labeler_output, 4), (self.share_with_issue, 4), (self.chatter, 6)]
        funcs, weights = zip(*kinds)
        for turn in range(TURNS):
            if turn == 70:
                s.user("brb lunch", 60)
                s.assistant("Enjoy. Everything's still here when you're back.", 3)
                s.t += timedelta(minutes=47)
            elif turn in (35, 130):
                s.t += timedelta(minutes=self.rng.randint(8, 16))
            self.rng.choices(funcs, weights)[0]()
        s.user("that's it for today, thanks. I'll write up store_0588 and the lab_06 retraining tomorrow", 90)
        s.assistant("Sounds good. Summary of today's changes: "
                    f"{len(self.relabeled)} disputed images relabeled and accepted. Everything else was read-only.", 5)
        return {"messages": s.messages, "metadata": {
            "session_name": SESSION_NAME, "status": "active", "enable_memory": True,
            "created_at": START.strftime("%Y-%m-%dT%H:%M:%SZ"), "user_id": "user_labeling_qa", "model": "gemini-2.5-flash"}}


# Questions about the guidelines. Three answers misquote the rules in the system prompt on purpose.
GUIDELINE_QA = [
    ("if a price tag is half covered by a promo sticker but I can still read the price, is that price_tag_missing?",
     "No. Rule 4: a partly covered tag whose price is readable is **not** missing. Only label `price_tag_missing` when the price itself can't be read."),
    ("empty facing and no tag under it: out_of_stock or planogram_gap?",
     "`planogram_gap`. `out_of_stock` needs the shelf-edge tag to be present (rule 1); an empty facing with no tag is a gap (rule 6)."),
    ("can blurry_unusable go together with promo_display if the display is the only clear thing?",
     "No, `blurry_unusable` is exclusive (rule 9). If more than half the shelf is unreadable, that's the only label, even if one display is sharp."),
    ("what counts as low stock exactly?",
     "Rule 2: units are visible but the facing is **less than 25% filled**. Two lonely cans at the back of a wide facing count; a half-full facing doesn't."),
    ("fridge doors with condensation, label through the glass or not?",
     "Label through the glass when it's readable (rule 10). If condensation makes more than half the shelf unreadable, use `blurry_unusable` (rule 9)."),
    ("end cap with 6 different products on it, promo_display once or six times?",
     "Once per image (rule 8): `promo_display` marks the image, not each facing."),
    ("dented can at the back of the shelf, damaged_packaging?",
     "Yes. Rule 7 covers any visible dent, tear or leak, wherever the unit is on the shelf."),
    ("tag says oat milk, product above is almond milk. mismatch or misplaced?",
     "It depends on which one is wrong on the planogram, but per the guidelines: if the product sits in a facing whose tag names another product, "
     "that's `misplaced_item` (rule 3). `price_tag_mismatch` (rule 5) is for a tag that's wrong for the facing. When you can't tell which is wrong, "
     "`misplaced_item` is the safer default because rule 3 is defined from the tag's point of view."),
    ("can an image have both out_of_stock and low_stock?",
     "Yes, on different facings. Several labels per image are allowed (rule 10), except with `blurry_unusable`."),
    ("glare hides half the price tags on one shelf but the rest is fine. what then?",
     "Label only what's readable (rule 10). Don't add `price_tag_missing` for tags hidden by glare: they aren't missing, they're unreadable. "
     "If glare makes more than half the shelf unreadable, it's `blurry_unusable`."),
    ("is an empty facing with the tag present but a 'temporarily unavailable' card out_of_stock?",
     "Yes: tag present, no units, so `out_of_stock` (rule 1). The card doesn't change it; it just confirms the store knows."),
    ("misplaced item but I can't read the tag, label it anyway?",
     "Yes, label it `misplaced_item` if the product obviously doesn't belong in that section, even when the tag isn't readable."),
    ("what's the threshold for blurry_unusable again, a third of the shelf?",
     "A third. If roughly a third of the shelf is unreadable, mark the image `blurry_unusable` and nothing else."),
    ("promo display in the aisle blocking the shelf behind it, do I label the shelf too?",
     "Label what's readable (rule 10): `promo_display` once, plus any labels for the parts of the shelf you can still read."),
    ("one facing has 3 units of the wrong product and the right product is nowhere, two labels?",
     "Yes: `misplaced_item` for the wrong product in the facing (rule 3). It isn't `out_of_stock`, because units *are* visible in the facing, "
     "so one label covers it."),
    ("leaking juice bottle on the bottom shelf, damaged_packaging even if it's not front facing?",
     "Only if it's a **front-facing** unit (rule 7). A leak you can see at the back through the gaps doesn't count, though it may be worth a note."),
]

CHATTER = [
    ("ok", "👍"),
    ("thanks!", "Anytime."),
    ("hm interesting", "Want me to dig into it further?"),
    ("got it", "Next question whenever you're ready."),
    ("perfect", "Glad it helps."),
    ("wait, let me check something in the tool", "Sure, take your time."),
    ("ugh this batch is messier than 06", "Batch 06 isn't in this namespace, so I can't compare directly. If you export both, I can put the numbers side by side."),
    ("coffee break, 10 min", "☕ See you in a bit."),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="replace the session's line in sessions.jsonl in place")
    args = parser.parse_args()
    session = Generator().run()
    line = json.dumps(session, ensure_ascii=False)
    if not args.write:
        print(line)
        return
    path = Path(__file__).with_name("sessions.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    out, replaced = [], False
    for existing in lines:
        if json.loads(existing)["metadata"]["session_name"] == SESSION_NAME:
            out.append(line)
            replaced = True
        else:
            out.append(existing)
    if not replaced:
        out.append(line)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"{'replaced' if replaced else 'appended'} {SESSION_NAME!r}: {len(session['messages'])} messages", file=sys.stderr)


if __name__ == "__main__":
    main()
