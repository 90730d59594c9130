//! `verdict seed`: fills a namespace with synthetic but realistic sessions, fast, for benchmarks and trying verdict at size.
//!
//! The content comes from a pseudo-random generator with a fixed seed, so the same
//! arguments give the same transcripts; ids come from a stream seeded by the system
//! so that seeding twice into one database never collides.

use super::store::{self, BulkMessage, BulkRating, BulkSession};
use crate::api::model::{AgentConfig, Rating, SessionStatus};
use rusqlite::TransactionBehavior;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

/// The content seed: change it and every seeded transcript changes.
const CONTENT_SEED: u64 = 0x5eed_0f7e_d1c7;
/// Sessions per transaction: large enough to amortise commits, small enough to keep the WAL short.
const SESSIONS_PER_COMMIT: usize = 2_000;
/// Seeded sessions were created within this many days before now.
const SPREAD_DAYS: i64 = 180;
const DAY_US: i64 = 24 * 3600 * 1_000_000;

/// What to seed.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub namespace: String,
    pub sessions: u64,
    /// Messages per session on average; each session varies around it.
    pub messages: u64,
}

/// What a seed run made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedSummary {
    pub namespace_created: bool,
    pub sessions: u64,
    pub messages: u64,
    pub assistant_messages: u64,
    pub tool_messages: u64,
    pub rated_messages: u64,
    pub memory_disabled_sessions: u64,
    pub elapsed: Duration,
}

/// The largest `--messages` (mean messages per session) and `--sessions` accepted.
pub const MAX_MESSAGES: u64 = 100_000;
pub const MAX_SESSIONS: u64 = 10_000_000;

/// Seeds `opts.sessions` sessions into `opts.namespace` (created, with its organisation, if needed).
pub fn seed(db: &Path, opts: &SeedOptions) -> anyhow::Result<SeedSummary> {
    super::import::check_namespace_name(&opts.namespace).map_err(anyhow::Error::msg)?;
    if opts.sessions == 0 {
        anyhow::bail!("Nothing to seed: give --sessions 1 or more.");
    }
    if opts.messages < 2 {
        anyhow::bail!(
            "Give --messages 2 or more: a session needs at least a question and an answer."
        );
    }
    // Far beyond any benchmark, and well inside the arithmetic of session lengths.
    if opts.messages > MAX_MESSAGES {
        anyhow::bail!("Give --messages {MAX_MESSAGES} or fewer (the mean length of a session).");
    }
    if opts.sessions > MAX_SESSIONS {
        anyhow::bail!("Give --sessions {MAX_SESSIONS} or fewer.");
    }
    let start = Instant::now();
    let db_error =
        |e: store::StoreError| anyhow::anyhow!("Cannot seed the database {}: {e}.", db.display());
    let mut conn = store::open(db).map_err(db_error)?;
    store::begin_bulk_load(&conn).map_err(db_error)?;
    let (ns, created) = {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db_error(e.into()))?;
        let made = store::ensure_namespace(&tx, &opts.namespace).map_err(db_error)?;
        tx.commit().map_err(|e| db_error(e.into()))?;
        made
    };
    let mut generator = Generator::new(opts.messages, store::now_us())?;
    let mut summary = SeedSummary {
        namespace_created: created,
        ..SeedSummary::default()
    };
    let mut batch = Vec::with_capacity(SESSIONS_PER_COMMIT);
    let mut left = opts.sessions;
    while left > 0 {
        let n = left.min(SESSIONS_PER_COMMIT as u64);
        batch.clear();
        for _ in 0..n {
            let s = generator.session();
            summary.count(&s);
            batch.push(s);
        }
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db_error(e.into()))?;
        store::bulk_insert_sessions(&tx, ns.rowid, &batch).map_err(db_error)?;
        tx.commit().map_err(|e| db_error(e.into()))?;
        left -= n;
    }
    store::finish_bulk_load(&conn).map_err(db_error)?;
    summary.elapsed = start.elapsed();
    Ok(summary)
}

impl SeedSummary {
    fn count(&mut self, s: &BulkSession) {
        self.sessions += 1;
        self.messages += s.messages.len() as u64;
        for m in &s.messages {
            self.assistant_messages += u64::from(m.role == "assistant");
            self.tool_messages += u64::from(m.role == "tool");
            self.rated_messages += u64::from(m.rating.is_some());
        }
        self.memory_disabled_sessions += u64::from(!s.enable_memory);
    }
}

// ---------------------------------------------------------------- randomness

/// SplitMix64: tiny, fast, and good enough to vary synthetic text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is far below anything visible here.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1).max(1) as u64) as i64
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn text(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len() as u64) as usize]
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Ids in the server's shape (`ses_` and 20 characters of [0-9a-z]).
struct Ids(Rng);

impl Ids {
    fn new() -> anyhow::Result<Ids> {
        let mut seed = [0u8; 8];
        getrandom::fill(&mut seed).map_err(|e| {
            anyhow::anyhow!("The system has no randomness available ({e}); cannot make ids.")
        })?;
        Ok(Ids(Rng(u64::from_le_bytes(seed))))
    }

    fn make(&mut self, prefix: &str) -> String {
        const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let mut out = String::with_capacity(prefix.len() + 21);
        out.push_str(prefix);
        out.push('_');
        for _ in 0..2 {
            // 36^10 < 2^52, so ten digits per 64-bit draw.
            let mut v = self.0.next();
            for _ in 0..10 {
                out.push(ALPHABET[(v % 36) as usize] as char);
                v /= 36;
            }
        }
        out
    }
}

// ---------------------------------------------------------------- what the sessions talk about

struct Tool {
    name: &'static str,
    inputs: &'static [&'static str],
    output: &'static str,
}

struct Topic {
    title: &'static str,
    asks: &'static [&'static str],
    points: &'static [&'static str],
    code: &'static [(&'static str, &'static str)],
    tools: &'static [Tool],
}

const SEARCH: Tool = Tool {
    name: "search_docs",
    inputs: &[
        r#"{"query": "pg_upgrade --link rollback", "limit": 5}"#,
        r#"{"query": "rollout undo deployment", "limit": 3}"#,
        r#"{"query": "pandas read_csv encoding", "limit": 5}"#,
    ],
    output: r#"{"results": [{"title": "Upgrading a cluster", "url": "https://example.org/docs/upgrade", "score": 0.91}, {"title": "Release notes", "url": "https://example.org/docs/notes", "score": 0.74}], "took_ms": 38}"#,
};
const RUN_SQL: Tool = Tool {
    name: "run_sql",
    inputs: &[
        r#"{"sql": "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"}"#,
        r#"{"sql": "SELECT relname, n_dead_tup FROM pg_stat_user_tables ORDER BY 2 DESC LIMIT 5"}"#,
    ],
    output: r#"{"columns": ["relname", "n_dead_tup"], "rows": [["events", 182331], ["sessions", 9120]], "took_ms": 12}"#,
};
const FEATURES: Tool = Tool {
    name: "search_features",
    inputs: &[
        r#"{"collection": "product-videos", "query": "person unboxing a phone", "top_k": 10}"#,
        r#"{"collection": "support-calls", "query": "refund not received", "top_k": 5}"#,
    ],
    output: r#"{"hits": [{"document_id": "doc_8f2k", "start_s": 12.5, "end_s": 19.0, "score": 0.88}, {"document_id": "doc_1m9q", "start_s": 3.0, "end_s": 7.5, "score": 0.81}]}"#,
};
const WEATHER: Tool = Tool {
    name: "get_weather",
    inputs: &[
        r#"{"city": "東京", "days": 3}"#,
        r#"{"city": "Zürich", "days": 5}"#,
    ],
    output: r#"{"forecast": [{"day": "Mon", "high_c": 21, "low_c": 14, "sky": "light rain"}, {"day": "Tue", "high_c": 24, "low_c": 15, "sky": "sunny"}]}"#,
};
const SHELL: Tool = Tool {
    name: "run_command",
    inputs: &[
        r#"{"cmd": "kubectl rollout status deploy/api -n prod --timeout=120s"}"#,
        r#"{"cmd": "cargo check --all-targets"}"#,
    ],
    output: r#"{"exit_code": 0, "stdout": "deployment \"api\" successfully rolled out\n", "stderr": ""}"#,
};

const TOPICS: &[Topic] = &[
    Topic {
        title: "Postgres 13 → 16 upgrade",
        asks: &[
            "We need to move our metadata DB from Postgres 13 to 16 with minimal downtime. What is the safest plan?",
            "Is `pg_upgrade --link` safe if the replica is still streaming?",
            "How do I check that every extension is ready for 16 before the night?",
        ],
        points: &[
            "Take a fresh base backup and **test the restore** before anything else.",
            "Run `pg_upgrade --check` against a copy first; it lists every incompatible extension.",
            "With `--link` the old cluster cannot be started once the new one has run.",
            "Rebuild the replica from the upgraded primary instead of upgrading it in place.",
            "Run `vacuumdb --all --analyze-in-stages` right after the upgrade; plans are poor until then.",
        ],
        code: &[
            (
                "sql",
                "SELECT extname, extversion FROM pg_extension ORDER BY 1;",
            ),
            (
                "bash",
                "sudo -u postgres /usr/lib/postgresql/16/bin/pg_upgrade \\\n  --old-datadir=/var/lib/postgresql/13/main \\\n  --new-datadir=/var/lib/postgresql/16/main \\\n  --link --check",
            ),
        ],
        tools: &[SEARCH, RUN_SQL],
    },
    Topic {
        title: "Borrow checker: mutable borrow in a loop",
        asks: &[
            "Why does Rust say `cannot borrow *self as mutable more than once at a time` in this loop?",
            "How do I keep a reference into a Vec while pushing to it?",
            "Is `RefCell` the right fix here or is that a smell?",
        ],
        points: &[
            "The first borrow lives until its last use, which is after the second borrow starts.",
            "Collect the indices first, then mutate in a second pass.",
            "Pushing may reallocate, so a reference into the Vec could dangle; store an index instead.",
            "`RefCell` moves the check to run time; reach for it only when ownership is truly shared.",
        ],
        code: &[
            (
                "rust",
                "let ids: Vec<usize> = self.items.iter()\n    .enumerate()\n    .filter(|(_, it)| it.stale)\n    .map(|(i, _)| i)\n    .collect();\nfor i in ids {\n    self.refresh(i);\n}",
            ),
            (
                "rust",
                "fn longest<'a>(a: &'a str, b: &'a str) -> &'a str {\n    if a.len() >= b.len() { a } else { b }\n}",
            ),
        ],
        tools: &[SHELL],
    },
    Topic {
        title: "Kubernetes rollout stuck",
        asks: &[
            "Our deployment has been `Progressing` for 20 minutes. How do I find out why?",
            "How do I roll back the API deployment to the previous revision?",
            "What should maxSurge and maxUnavailable be for a 6-replica service?",
        ],
        points: &[
            "`kubectl describe` on a new pod usually shows the failing probe or image pull.",
            "A readiness probe that never passes keeps the rollout waiting forever.",
            "`kubectl rollout undo` returns to the previous ReplicaSet in seconds.",
            "With 6 replicas, `maxSurge: 2` and `maxUnavailable: 0` keep full capacity.",
        ],
        code: &[
            (
                "yaml",
                "strategy:\n  type: RollingUpdate\n  rollingUpdate:\n    maxSurge: 2\n    maxUnavailable: 0",
            ),
            (
                "bash",
                "kubectl rollout history deploy/api -n prod\nkubectl rollout undo deploy/api -n prod --to-revision=41",
            ),
        ],
        tools: &[SHELL, SEARCH],
    },
    Topic {
        title: "Cleaning a CSV export with pandas",
        asks: &[
            "The CSV from finance has `Ã©` where it should have `é`. How do I read it correctly?",
            "How do I drop duplicate customers but keep the most recent row?",
            "Can you turn the amounts like `1.234,56 €` into floats?",
        ],
        points: &[
            "The file is UTF-8 read as Latin-1; pass `encoding=\"utf-8\"` (or `utf-8-sig` with a BOM).",
            "Sort by the timestamp, then `drop_duplicates(keep=\"last\")` on the customer id.",
            "European amounts need the thousands separator removed before the comma becomes a dot.",
        ],
        code: &[
            (
                "python",
                "df = pd.read_csv(\"export.csv\", encoding=\"utf-8-sig\", sep=\";\")\ndf = (df.sort_values(\"updated_at\")\n        .drop_duplicates(\"customer_id\", keep=\"last\"))",
            ),
            (
                "python",
                "df[\"amount\"] = (df[\"amount\"].str.replace(\"€\", \"\", regex=False)\n                .str.replace(\".\", \"\", regex=False)\n                .str.replace(\",\", \".\", regex=False)\n                .astype(float))",
            ),
        ],
        tools: &[SEARCH],
    },
    Topic {
        title: "Five days in Tokyo and Kyoto",
        asks: &[
            "Plan five days: 東京 for three, then 京都 for two. We like food markets and quiet temples.",
            "Is the JR Pass still worth it for Tokyo → Kyoto and back?",
            "What's the weather going to be like next week?",
        ],
        points: &[
            "Day 1: Tsukiji outer market at 8:00, then Hamarikyu gardens — arrive early, it fills by 10.",
            "Day 3: Yanaka (谷中) for old Tokyo; the cemetery walk is quiet in the morning.",
            "Kyoto: Fushimi Inari before 7:00, then Tōfuku-ji; Nishiki market for lunch.",
            "A one-way Nozomi ticket is about ¥14,000; the 7-day JR Pass only pays off with more trips.",
        ],
        code: &[],
        tools: &[WEATHER],
    },
    Topic {
        title: "Reply to a customer about a late refund",
        asks: &[
            "Draft a reply to a customer whose refund is 12 days late. Keep it warm but short.",
            "Now a version in French, please — the customer wrote in French.",
            "And one in German for the Zürich office?",
        ],
        points: &[
            "Apologise once, say what happened, and give a date — not \"soon\".",
            "Bonjour Mme Lefèvre, nous sommes désolés : votre remboursement a pris du retard.",
            "Sehr geehrte Frau Müller, Ihre Rückerstattung über 84,90 € ist heute veranlasst worden.",
            "Offer a direct contact so the customer does not start again from the queue.",
        ],
        code: &[],
        tools: &[FEATURES],
    },
    Topic {
        title: "Regex for nginx access logs",
        asks: &[
            "Give me a regex that pulls method, path, status and duration out of our nginx logs.",
            "It misses lines where the path has spaces encoded as `%20`. Why?",
            "How fast is this on a 4 GB log? Should I use something else?",
        ],
        points: &[
            "Anchor the pattern and use non-greedy groups, or one odd line makes it backtrack.",
            "`\\S+` stops at the first space; an encoded `%20` is not a space, so look at the quote handling.",
            "For gigabytes, `ripgrep` with the same pattern is roughly 10× faster than Python's `re`.",
        ],
        code: &[
            (
                "regex",
                r#"^(\S+) \S+ \S+ \[([^\]]+)\] "(\w+) (\S+) [^"]*" (\d{3}) (\d+) ([\d.]+)$"#,
            ),
            (
                "python",
                "import re\nLINE = re.compile(r'\"(\\w+) (\\S+) [^\"]*\" (\\d{3}) \\d+ ([\\d.]+)$')\nfor line in open(\"access.log\"):\n    if m := LINE.search(line):\n        print(m.groups())",
            ),
        ],
        tools: &[SHELL],
    },
    Topic {
        title: "React form validation without a library",
        asks: &[
            "How do I validate an email field in React on blur, without pulling in a form library?",
            "The error message flashes on every keystroke. How do I stop that?",
            "Should validation live in the component or in a hook?",
        ],
        points: &[
            "Track `touched` per field; show errors only once a field has been left.",
            "Validate on blur and on submit; on change, only clear an error that is now fixed.",
            "A small `useField` hook keeps each input's value, error and touched state together.",
        ],
        code: &[(
            "tsx",
            "function useField(validate: (v: string) => string | null) {\n  const [value, setValue] = useState(\"\");\n  const [touched, setTouched] = useState(false);\n  const error = touched ? validate(value) : null;\n  return { value, setValue, error, onBlur: () => setTouched(true) };\n}",
        )],
        tools: &[SEARCH],
    },
    Topic {
        title: "Video search over product demos",
        asks: &[
            "Find the moments in our product videos where someone unboxes the phone.",
            "Can you also search the support calls for people asking about refunds?",
            "Why did the second result score lower than the first?",
        ],
        points: &[
            "The best match is 12.5 s – 19.0 s in `doc_8f2k`, a close-up of the box being opened.",
            "Scores are cosine similarity of the scene embedding and the query; above 0.8 is a strong match.",
            "The second clip shows the phone but not the box, so it matches half of the query.",
        ],
        code: &[(
            "json",
            "{\n  \"collection\": \"product-videos\",\n  \"query\": \"person unboxing a phone\",\n  \"top_k\": 10\n}",
        )],
        tools: &[FEATURES],
    },
    Topic {
        title: "Quarterly metrics summary",
        asks: &[
            "Summarise Q3 for the board: revenue, churn, and the two biggest risks.",
            "Make the table shorter — just the numbers that moved more than 5%.",
            "What would you say about churn if someone asks why it went up?",
        ],
        points: &[
            "Revenue grew 14% quarter on quarter, mostly from the enterprise tier.",
            "Churn rose from 2.1% to 2.9%, concentrated in accounts younger than 90 days.",
            "Risk 1: two customers are 31% of new revenue. Risk 2: support response time doubled.",
        ],
        code: &[],
        tools: &[RUN_SQL],
    },
];

const FOLLOW_UPS: &[&str] = &[
    "Can you make that shorter?",
    "That fails with `permission denied`. What now?",
    "Thanks! Does this also work on macOS?",
    "Explain step 2 in more detail, please.",
    "Ça marche, merci. And for the staging environment?",
    "Why not do it the other way round?",
    "Can you show the whole thing as one script?",
    "ok 👍 what could go wrong with this?",
    "I don't follow the second point.",
    "Is there a way to test this before we run it for real?",
];

const OPENINGS: &[&str] = &[
    "Short answer: yes, with one caveat.",
    "Here is what I would do, in order.",
    "Good question — the cause is usually one of three things.",
    "That error means the first step did not finish.",
    "Let me break it down.",
    "I checked, and here is what I found.",
];

const CLOSINGS: &[&str] = &[
    "Want me to turn this into a checklist?",
    "If anything in step 2 fails, send me the exact output and I'll take it from there.",
    "This should take about ten minutes end to end.",
    "Let me know which of these you want to try first.",
    "✓ That covers everything you asked.",
];

const REVIEW_NOTES: &[&str] = &[
    "Accurate and easy to follow.",
    "Wrong flag: --link needs both clusters on one filesystem.",
    "Too long for what was asked.",
    "Good, but it should have asked about the replica first.",
    "Trop verbeux, mais correct.",
    "Made up the price; the source says otherwise.",
];

const MODELS: &[&str] = &[
    "gemini-2.0-flash",
    "gpt-4o",
    "claude-sonnet-4",
    "llama-3.1-70b",
];

// ---------------------------------------------------------------- the generator

struct Generator {
    rng: Rng,
    ids: Ids,
    mean_messages: u64,
    now_us: i64,
}

impl Generator {
    fn new(mean_messages: u64, now_us: i64) -> anyhow::Result<Generator> {
        Ok(Generator {
            rng: Rng(CONTENT_SEED),
            ids: Ids::new()?,
            mean_messages,
            now_us,
        })
    }

    /// How many messages the next session has: mostly within ±50% of the mean, a few far longer.
    fn length(&mut self) -> usize {
        let m = self.mean_messages as i64;
        let n = if self.rng.chance(2) {
            self.rng.range(2 * m, 4 * m)
        } else {
            self.rng.range(m / 2, m + m / 2 - m / 25)
        };
        n.max(2) as usize
    }

    fn session(&mut self) -> BulkSession {
        let rng = &mut self.rng;
        let topic = rng.pick(TOPICS);
        let created_us = self.now_us - rng.range(DAY_US / 24, SPREAD_DAYS * DAY_US);
        let status = match rng.below(100) {
            0..15 => SessionStatus::Active,
            15..60 => SessionStatus::Idle,
            60..90 => SessionStatus::Archived,
            _ => SessionStatus::Terminated,
        };
        let enable_memory = !rng.chance(10);
        let user = rng.below(500);
        let agent_config = AgentConfig {
            model: rng.pick(MODELS).to_string(),
            available_tools: topic.tools.iter().map(|t| t.name.to_string()).collect(),
            ..AgentConfig::default()
        };
        let metadata = format!(
            r#"{{"seeded": true, "topic": {}, "channel": "{}"}}"#,
            serde_json::Value::from(topic.title),
            rng.pick(&["web", "slack", "api"]),
        );
        let target = self.length();
        let messages = self.messages(topic, target, created_us);
        BulkSession {
            id: self.ids.make("ses"),
            user_id: Some(format!("user_{user:04}")),
            session_name: Some(topic.title.to_string()),
            agent_config: serde_json::to_string(&agent_config).unwrap_or_else(|_| "{}".into()),
            metadata,
            enable_memory,
            status,
            created_us,
            messages,
        }
    }

    fn messages(&mut self, topic: &Topic, target: usize, created_us: i64) -> Vec<BulkMessage> {
        let mut out: Vec<BulkMessage> = Vec::with_capacity(target + 3);
        let mut t = created_us;
        let mut turn = 0usize;
        // Leave room for the closing answer so a session ends on the assistant.
        while out.len() + 2 <= target || out.is_empty() {
            let ask = if turn == 0 || self.rng.chance(30) {
                (*self.rng.pick(topic.asks)).to_string()
            } else {
                (*self.rng.pick(FOLLOW_UPS)).to_string()
            };
            t += self.rng.range(5, 600) * 1_000_000;
            out.push(self.message("user", ask, "text", t));
            // Tool calls fit only when two more messages leave room for the answer.
            if !topic.tools.is_empty() && out.len() + 3 <= target && self.rng.chance(35) {
                let tool = self.rng.pick(topic.tools);
                let input = (*self.rng.pick(tool.inputs)).to_string();
                let failed = self.rng.chance(6);
                let status = if failed { "error" } else { "success" };
                t += self.rng.range(1, 5) * 1_000_000;
                let mut call =
                    self.message("tool", format!("{}({input})", tool.name), "tool_call", t);
                call.tool_name = Some(tool.name);
                call.tool_inputs = Some(input);
                call.tool_status = Some(status);
                out.push(call);
                let output = if failed {
                    r#"{"error": "upstream timed out after 30 s"}"#.to_string()
                } else {
                    tool.output.to_string()
                };
                t += self.rng.range(1, 20) * 1_000_000;
                let mut result = self.message("tool", output.clone(), "tool_result", t);
                result.tool_name = Some(tool.name);
                result.tool_outputs = Some(output);
                result.tool_status = Some(status);
                out.push(result);
            }
            let answer = self.answer(topic);
            t += self.rng.range(2, 40) * 1_000_000;
            out.push(self.message("assistant", answer, "text", t));
            turn += 1;
        }
        self.rate(&mut out, t);
        out
    }

    fn message(
        &mut self,
        role: &'static str,
        content: String,
        kind: &'static str,
        t: i64,
    ) -> BulkMessage {
        BulkMessage {
            id: self.ids.make("msg"),
            role,
            content,
            content_type: kind,
            tool_name: None,
            tool_inputs: None,
            tool_outputs: None,
            tool_status: None,
            timestamp_us: t,
            rating: None,
        }
    }

    /// An assistant answer in markdown: one line, a few points, or a long answer with code and a table.
    fn answer(&mut self, topic: &Topic) -> String {
        let rng = &mut self.rng;
        let mut s = String::with_capacity(1024);
        s.push_str(rng.text(OPENINGS));
        match rng.below(10) {
            // Short: one point as a sentence.
            0..2 => {
                s.push(' ');
                s.push_str(rng.text(topic.points));
            }
            // Medium: a list of points, maybe code.
            2..7 => {
                s.push_str("\n\n");
                for _ in 0..rng.range(2, 4) {
                    let _ = writeln!(s, "- {}", rng.pick(topic.points));
                }
                if !topic.code.is_empty() && rng.chance(50) {
                    let (lang, code) = rng.pick(topic.code);
                    let _ = write!(s, "\n```{lang}\n{code}\n```\n");
                }
                s.push('\n');
                s.push_str(rng.text(CLOSINGS));
            }
            // Long: headed steps, code, and a table.
            _ => {
                let _ = write!(s, "\n\n## {}\n\n", topic.title);
                for step in 1..=rng.range(3, 6) {
                    let _ = writeln!(s, "{step}. {}", rng.pick(topic.points));
                }
                for (lang, code) in topic.code {
                    let _ = write!(s, "\n```{lang}\n{code}\n```\n");
                }
                s.push_str("\n| option | effort | risk |\n|---|---|---|\n");
                let _ = writeln!(s, "| A | {} h | low |", rng.range(1, 4));
                let _ = writeln!(s, "| B | {} h | medium |", rng.range(2, 8));
                s.push_str("\n> **Note:** ");
                s.push_str(rng.text(topic.points));
                s.push_str("\n\n");
                s.push_str(rng.text(CLOSINGS));
            }
        }
        s
    }

    /// A fifth of sessions were part-reviewed already: their first assistant messages carry ratings.
    fn rate(&mut self, messages: &mut [BulkMessage], last_us: i64) {
        if !self.rng.chance(20) {
            return;
        }
        let assistant = messages.iter().filter(|m| m.role == "assistant").count() as u64;
        let rated = 1 + self.rng.below(assistant);
        let mut recorded = last_us + self.rng.range(60, 3 * 24 * 3600) * 1_000_000;
        for m in messages
            .iter_mut()
            .filter(|m| m.role == "assistant")
            .take(rated as usize)
        {
            recorded += self.rng.range(3, 90) * 1_000_000;
            let rating = if self.rng.chance(75) {
                Rating::Positive
            } else {
                Rating::Negative
            };
            let feedback_text = self
                .rng
                .chance(25)
                .then(|| (*self.rng.pick(REVIEW_NOTES)).to_string());
            m.rating = Some(BulkRating {
                feedback_id: self.ids.make("fb"),
                memory_id: self.ids.make("mem"),
                rating,
                feedback_text,
                recorded_us: recorded.min(self.now_us),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_on_an_answer_and_vary_around_the_mean() {
        let mut g = Generator::new(10, 1_800_000_000_000_000).unwrap();
        let sessions: Vec<BulkSession> = (0..2000).map(|_| g.session()).collect();
        let total: usize = sessions.iter().map(|s| s.messages.len()).sum();
        let mean = total as f64 / sessions.len() as f64;
        assert!((8.0..=12.5).contains(&mean), "mean {mean}");
        let lengths: std::collections::HashSet<usize> =
            sessions.iter().map(|s| s.messages.len()).collect();
        assert!(lengths.len() > 8, "lengths barely vary: {lengths:?}");
        for s in &sessions {
            assert_eq!(s.messages.last().map(|m| m.role), Some("assistant"));
            assert_eq!(s.messages[0].role, "user");
            assert!(
                s.messages
                    .windows(2)
                    .all(|w| w[0].timestamp_us <= w[1].timestamp_us)
            );
        }
        let all = || sessions.iter().flat_map(|s| &s.messages);
        assert!(all().any(|m| m.content.contains("```")));
        assert!(all().any(|m| !m.content.is_ascii()));
        assert!(all().any(|m| m.content_type == "tool_call"));
        assert!(all().any(|m| m.tool_status == Some("error")));
        assert!(all().any(|m| m.rating.is_some()));
        assert!(sessions.iter().any(|s| !s.enable_memory));
        for status in SessionStatus::ALL {
            assert!(sessions.iter().any(|s| s.status == status), "no {status}");
        }
    }

    #[test]
    fn content_is_reproducible_and_ids_are_not() {
        let mut a = Generator::new(6, 0).unwrap();
        let mut b = Generator::new(6, 0).unwrap();
        let (sa, sb) = (a.session(), b.session());
        let text = |s: &BulkSession| {
            s.messages
                .iter()
                .map(|m| m.content.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(text(&sa), text(&sb));
        assert_ne!(sa.id, sb.id);
        assert!(sa.id.starts_with("ses_") && sa.id.len() == 24, "{}", sa.id);
    }
}
