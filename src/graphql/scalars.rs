//! The contract's scalars. `Date` (a local calendar date, `YYYY-MM-DD`) is ours;
//! `DateTime` (RFC 3339, UTC), `Decimal`, `JSON` and `UUID` are async-graphql's own, and
//! `ScalarDocs` gives all five their descriptions and `@specifiedBy` URLs (so
//! `graphql-codegen --strictScalars` and other generators can map them) and makes `Decimal`
//! refuse JSON numbers. It must not change how a value is parsed or printed otherwise.

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;

use async_graphql::parser::types::Field;
use async_graphql::registry::{MetaType, Registry};
use async_graphql::{
    ContextSelectionSet, InputValueError, InputValueResult, OutputType, Positioned, Scalar, ScalarType, ServerResult,
    Value,
};
use chrono::NaiveDate;

/// A calendar date in the record's local time zone (see the scalar's description).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar date, `YYYY-MM-DD` (RFC 3339 `full-date`), in the local time zone of the
/// record's jurisdiction (Asia/Almaty for KZ, Asia/Bishkek for KG) unless the field says
/// otherwise. Deadlines that fall on a date end at the end of that local day.
#[Scalar(name = "Date", specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom(format!("`{s}` is not a YYYY-MM-DD date"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        // `Display` writes `YYYY-MM-DD` directly; `format` parses its pattern on every call,
        // and a page of loans writes hundreds of dates.
        Value::String(self.0.to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Date(d)
    }
}

/// The descriptions and `@specifiedBy` URLs of the scalars async-graphql defines.
const BUILT_IN: [(&str, &str, &str); 4] = [
    (
        "DateTime",
        "An instant, an RFC 3339 `date-time` string. Always returned in UTC with a `Z` offset \
         (`2025-03-01T09:30:00Z`); accepted with any offset and converted to UTC. Local dates \
         (deadlines, contact windows) are computed from it in the jurisdiction's time zone.",
        "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6",
    ),
    (
        "Decimal",
        "An exact decimal number as a JSON string (`\"67500.5\"`, `\"-3.5\"`): an optional \
         minus sign, digits, optionally a dot and more digits (the XML Schema `decimal` \
         lexical form; no exponent, no thousands separators). JSON numbers are refused with \
         BAD_USER_INPUT, because a JSON number is read as a binary float and `300.005` would \
         not arrive exactly. Amounts of money come back at their currency's scale, its ISO \
         4217 minor unit (KZT, KGS, USD: 2 decimal places, `\"67500.00\"`), and an input \
         amount with more decimal places than that (`\"300.005\"` KZT) is refused with the \
         user error FINER_THAN_MINOR_UNIT, never rounded. Rates and ratios are not money: \
         they come back with the digits they have (`\"0.35\"` is 35 % a year).",
        "https://www.w3.org/TR/xmlschema11-2/#decimal",
    ),
    (
        "JSON",
        "Any JSON value (RFC 8259), used for structured details whose shape depends on a \
         record's kind (an escalation's `details`, an audit entry's `before`/`after`). \
         Identifiers inside it are raw UUIDs unless the field's description says otherwise.",
        "https://datatracker.ietf.org/doc/html/rfc8259",
    ),
    (
        "UUID",
        "A UUID in its canonical hyphenated text form (RFC 9562), e.g. a \
         `clientSubmissionId` the caller generates (any version; v4 or v7 recommended).",
        "https://datatracker.ietf.org/doc/html/rfc9562",
    ),
];

/// The documented lexical form, `-?[0-9]+(\.[0-9]+)?`: rust_decimal's parser alone also
/// reads `1_000`, `+5`, `.5` and `5.`, which a partner's other systems may read differently
/// or not at all, so a value is only what every reader of the contract agrees it is.
fn decimal_lexical(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && fraction.is_none_or(all_digits)
}

/// A registry hook, never a field's type: registering it (`SchemaBuilder::register_output_type`
/// after every other type) documents the scalars async-graphql defines, which carry no
/// description (and `Decimal`, `JSON`, `UUID` no `@specifiedBy`) of their own, and makes
/// validation refuse a JSON number where a `Decimal` is expected (async-graphql would read it
/// through `f64`). It adds no type of its own to the schema.
pub struct ScalarDocs;

impl OutputType for ScalarDocs {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed("DateTime")
    }

    fn create_type_info(registry: &mut Registry) -> String {
        for (name, text, url) in BUILT_IN {
            if let Some(MetaType::Scalar { description, specified_by_url, is_valid, .. }) = registry.types.get_mut(name)
            {
                *description = Some(text.to_owned());
                *specified_by_url = Some(url.to_owned());
                if name == "Decimal" {
                    *is_valid = Some(Arc::new(
                        |v: &Value| matches!(v, Value::String(s) if decimal_lexical(s) && rust_decimal::Decimal::from_str(s).is_ok()),
                    ));
                }
            }
        }
        Self::type_name().into_owned()
    }

    async fn resolve(&self, _ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        Ok(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_take_only_the_documented_lexical_form() {
        for ok in ["0", "5", "-3.5", "67500.50", "0.35", "007"] {
            assert!(decimal_lexical(ok), "{ok}");
        }
        for bad in ["", "-", "+5", "1_000", "1,000", "1e3", ".5", "5.", " 5", "5 ", "--5", "1.2.3", "٣", "NaN"] {
            assert!(!decimal_lexical(bad), "{bad:?}");
        }
    }

    #[test]
    fn dates_are_written_as_rfc3339_full_dates_and_read_back() {
        for (y, m, d, text) in [(2026, 11, 29, "2026-11-29"), (999, 1, 2, "0999-01-02"), (2027, 12, 31, "2027-12-31")] {
            let date = Date(NaiveDate::from_ymd_opt(y, m, d).expect("a valid date"));
            assert_eq!(date.to_value(), Value::String(text.to_owned()));
            assert_eq!(Date::parse(Value::String(text.to_owned())).ok(), Some(date));
        }
    }
}
