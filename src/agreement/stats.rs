//! Agreement coefficients over a table of units (replies) by raters (reviewers), each
//! cell a category or missing. Pure functions, no I/O.
//!
//! - Cohen's κ for two raters, over the units both rated.
//! - Fleiss' κ over the units with two or more raters, in the form that allows a varying
//!   number of raters per unit: a unit's agreement is the share of its rater pairs that
//!   agree, and the category shares are taken over all its ratings. With the same number
//!   of raters on every unit this is Fleiss' original formula.
//! - Krippendorff's α for nominal data with missing values, from the coincidence matrix.
//!
//! Each comes with the observed agreement (the raw share of agreeing pairs) and the
//! number of units it was computed over. When every rating is the same category the
//! chance agreement is 1 and the coefficient is undefined; when no unit has two ratings
//! there is nothing to compute. Both are values of [`Value`], never a NaN.

/// The categories a table may hold: `0..MAX_CATEGORIES`.
pub const MAX_CATEGORIES: usize = 16;

/// Units by raters, each cell a category (`< MAX_CATEGORIES`) or `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    raters: usize,
    cells: Vec<Option<u8>>,
}

impl Table {
    pub fn new(raters: usize) -> Table {
        Table {
            raters,
            cells: Vec::new(),
        }
    }

    /// A table from rows of cells; every row as long as the first. Categories at or over
    /// [`MAX_CATEGORIES`] are treated as missing.
    pub fn from_rows(rows: &[Vec<Option<u8>>]) -> Table {
        let raters = rows.first().map_or(0, Vec::len);
        let mut table = Table::new(raters);
        for row in rows {
            table.push_unit(row);
        }
        table
    }

    /// Appends a unit; a row shorter than the rater count is padded with missing cells.
    pub fn push_unit(&mut self, row: &[Option<u8>]) {
        for r in 0..self.raters {
            let cell = row
                .get(r)
                .copied()
                .flatten()
                .filter(|c| usize::from(*c) < MAX_CATEGORIES);
            self.cells.push(cell);
        }
    }

    pub fn raters(&self) -> usize {
        self.raters
    }

    pub fn units(&self) -> usize {
        self.cells.len().checked_div(self.raters).unwrap_or(0)
    }

    fn unit(&self, u: usize) -> &[Option<u8>] {
        &self.cells[u * self.raters..(u + 1) * self.raters]
    }

    fn rows(&self) -> impl Iterator<Item = &[Option<u8>]> {
        (0..self.units()).map(|u| self.unit(u))
    }
}

/// A coefficient's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Defined(f64),
    /// Every rating counted is the same category: chance agreement is 1, so κ and α are 0/0.
    SameEverywhere,
    /// No unit has two ratings to compare.
    NoOverlap,
}

impl Value {
    pub fn defined(self) -> Option<f64> {
        match self {
            Value::Defined(v) => Some(v),
            _ => None,
        }
    }
}

/// A coefficient, the raw agreement beside it, and how many units it is over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coefficient {
    pub value: Value,
    /// The observed share of agreeing pairs, 0 to 1; `None` with no overlap.
    pub agreement: Option<f64>,
    /// Units (replies) the coefficient is computed over.
    pub units: usize,
}

impl Coefficient {
    fn none() -> Coefficient {
        Coefficient {
            value: Value::NoOverlap,
            agreement: None,
            units: 0,
        }
    }
}

/// `(observed - expected) / (1 - expected)`, undefined when expected is 1.
fn kappa(observed: f64, expected: f64) -> Value {
    if (1.0 - expected).abs() < 1e-12 {
        Value::SameEverywhere
    } else {
        Value::Defined((observed - expected) / (1.0 - expected))
    }
}

/// Cohen's κ of raters `a` and `b` over the units both rated.
pub fn cohen(table: &Table, a: usize, b: usize) -> Coefficient {
    let mut both = [[0u64; MAX_CATEGORIES]; 2];
    let mut agree = 0u64;
    let mut n = 0u64;
    if a >= table.raters || b >= table.raters {
        return Coefficient::none();
    }
    for row in table.rows() {
        if let (Some(x), Some(y)) = (row[a], row[b]) {
            n += 1;
            both[0][usize::from(x)] += 1;
            both[1][usize::from(y)] += 1;
            agree += u64::from(x == y);
        }
    }
    if n == 0 {
        return Coefficient::none();
    }
    let n_f = n as f64;
    let observed = agree as f64 / n_f;
    let expected: f64 = (0..MAX_CATEGORIES)
        .map(|c| (both[0][c] as f64 / n_f) * (both[1][c] as f64 / n_f))
        .sum();
    Coefficient {
        value: kappa(observed, expected),
        agreement: Some(observed),
        units: n as usize,
    }
}

/// The category counts of one unit and how many ratings it has.
fn counts(row: &[Option<u8>]) -> ([u32; MAX_CATEGORIES], u32) {
    let mut counts = [0u32; MAX_CATEGORIES];
    let mut m = 0;
    for c in row.iter().flatten() {
        counts[usize::from(*c)] += 1;
        m += 1;
    }
    (counts, m)
}

/// Fleiss' κ over the units with two or more ratings (any number of raters per unit).
pub fn fleiss(table: &Table) -> Coefficient {
    let mut totals = [0u64; MAX_CATEGORIES];
    let mut ratings = 0u64;
    let mut agreement_sum = 0.0;
    let mut units = 0usize;
    for row in table.rows() {
        let (counts, m) = counts(row);
        if m < 2 {
            continue;
        }
        units += 1;
        let m = f64::from(m);
        let pairs: f64 = counts
            .iter()
            .map(|&c| f64::from(c) * (f64::from(c) - 1.0))
            .sum();
        agreement_sum += pairs / (m * (m - 1.0));
        for (t, c) in totals.iter_mut().zip(counts) {
            *t += u64::from(c);
        }
        ratings += m as u64;
    }
    if units == 0 {
        return Coefficient::none();
    }
    let observed = agreement_sum / units as f64;
    let expected: f64 = totals
        .iter()
        .map(|&t| (t as f64 / ratings as f64).powi(2))
        .sum();
    Coefficient {
        value: kappa(observed, expected),
        agreement: Some(observed),
        units,
    }
}

/// Krippendorff's α for nominal data, missing values allowed: units with fewer than two
/// ratings are not pairable and do not count.
pub fn krippendorff(table: &Table) -> Coefficient {
    // n_c: the pairable values of each category; the observed disagreement is the
    // coincidence matrix's off-diagonal sum, Σ_u (m_u² - Σ_c n_uc²) / (m_u - 1).
    let mut totals = [0u64; MAX_CATEGORIES];
    let mut disagreement = 0.0;
    let mut units = 0usize;
    for row in table.rows() {
        let (counts, m) = counts(row);
        if m < 2 {
            continue;
        }
        units += 1;
        let same: u64 = counts.iter().map(|&c| u64::from(c) * u64::from(c)).sum();
        let m = u64::from(m);
        disagreement += (m * m - same) as f64 / (m - 1) as f64;
        for (t, c) in totals.iter_mut().zip(counts) {
            *t += u64::from(c);
        }
    }
    if units == 0 {
        return Coefficient::none();
    }
    let n: u64 = totals.iter().sum();
    let n_f = n as f64;
    let expected_pairs = n_f * n_f - totals.iter().map(|&t| (t as f64).powi(2)).sum::<f64>();
    let observed = 1.0 - disagreement / n_f;
    let value = if expected_pairs <= 0.0 {
        Value::SameEverywhere
    } else {
        Value::Defined(1.0 - (n_f - 1.0) * disagreement / expected_pairs)
    };
    Coefficient {
        value,
        agreement: Some(observed),
        units,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round3(v: Value) -> f64 {
        (v.defined().unwrap() * 1000.0).round() / 1000.0
    }

    /// Wikipedia, "Cohen's kappa": 50 proposals, both yes 20, A yes B no 5, A no B yes 10,
    /// both no 15; κ = 0.4, observed agreement 0.7.
    #[test]
    fn cohen_matches_the_textbook_table() {
        let mut rows = Vec::new();
        for (a, b, n) in [(1, 1, 20), (1, 0, 5), (0, 1, 10), (0, 0, 15)] {
            rows.extend(std::iter::repeat_n(vec![Some(a), Some(b)], n));
        }
        let c = cohen(&Table::from_rows(&rows), 0, 1);
        assert_eq!(round3(c.value), 0.4);
        assert_eq!(c.agreement, Some(0.7));
        assert_eq!(c.units, 50);
    }

    /// Wikipedia, "Fleiss' kappa": 10 subjects, 14 raters, 5 categories; κ ≈ 0.210,
    /// P̄ ≈ 0.378.
    #[test]
    fn fleiss_matches_the_worked_example() {
        let counts: [[u8; 5]; 10] = [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ];
        let rows: Vec<Vec<Option<u8>>> = counts
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .flat_map(|(cat, &n)| std::iter::repeat_n(Some(cat as u8), n.into()))
                    .collect()
            })
            .collect();
        let table = Table::from_rows(&rows);
        assert_eq!(table.raters(), 14);
        let f = fleiss(&table);
        assert_eq!(round3(f.value), 0.210);
        assert_eq!((f.agreement.unwrap() * 1000.0).round() / 1000.0, 0.378);
        assert_eq!(f.units, 10);
    }

    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the nominal
    /// example: 4 observers, 12 units, values 1 to 5, missing data; α ≈ 0.743.
    #[test]
    fn krippendorff_matches_the_published_example_with_missing_data() {
        let observers: [[u8; 12]; 4] = [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3],
            [0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0],
        ];
        let rows: Vec<Vec<Option<u8>>> = (0..12)
            .map(|u| {
                observers
                    .iter()
                    .map(|o| Some(o[u]).filter(|v| *v != 0))
                    .collect()
            })
            .collect();
        let a = krippendorff(&Table::from_rows(&rows));
        assert_eq!(round3(a.value), 0.743);
        // Unit 12 has a single value and is not pairable.
        assert_eq!(a.units, 11);
    }

    #[test]
    fn one_category_only_is_undefined_not_nan() {
        let rows = vec![vec![Some(1), Some(1)], vec![Some(1), Some(1)]];
        let t = Table::from_rows(&rows);
        assert_eq!(cohen(&t, 0, 1).value, Value::SameEverywhere);
        assert_eq!(fleiss(&t).value, Value::SameEverywhere);
        assert_eq!(krippendorff(&t).value, Value::SameEverywhere);
        assert_eq!(cohen(&t, 0, 1).agreement, Some(1.0));
    }

    #[test]
    fn a_single_shared_unit_gives_a_number() {
        // Disagreeing on the one reply both rated: κ is 0 (Cohen), α is 0, Fleiss -1.
        let rows = vec![
            vec![Some(1), Some(0)],
            vec![Some(1), None],
            vec![None, Some(0)],
        ];
        let t = Table::from_rows(&rows);
        let c = cohen(&t, 0, 1);
        assert_eq!(
            (c.value, c.units, c.agreement),
            (Value::Defined(0.0), 1, Some(0.0))
        );
        assert_eq!(krippendorff(&t).value, Value::Defined(0.0));
        assert_eq!(fleiss(&t).value, Value::Defined(-1.0));
        // Agreeing on it: one category only.
        let t = Table::from_rows(&[vec![Some(1), Some(1)], vec![Some(0), None]]);
        assert_eq!(cohen(&t, 0, 1).value, Value::SameEverywhere);
    }

    #[test]
    fn no_overlap_is_said_as_such() {
        let rows = vec![vec![Some(1), None], vec![None, Some(0)]];
        let t = Table::from_rows(&rows);
        for c in [cohen(&t, 0, 1), fleiss(&t), krippendorff(&t)] {
            assert_eq!(c, Coefficient::none());
        }
        assert_eq!(cohen(&Table::new(0), 0, 1), Coefficient::none());
        assert_eq!(fleiss(&Table::new(3)), Coefficient::none());
    }

    #[test]
    fn perfect_agreement_is_one_and_fleiss_equals_alpha_in_the_large() {
        let rows: Vec<Vec<Option<u8>>> = (0..100).map(|i| vec![Some((i % 2) as u8); 3]).collect();
        let t = Table::from_rows(&rows);
        assert_eq!(cohen(&t, 0, 2).value, Value::Defined(1.0));
        assert_eq!(fleiss(&t).value, Value::Defined(1.0));
        assert_eq!(krippendorff(&t).value, Value::Defined(1.0));
    }
}
