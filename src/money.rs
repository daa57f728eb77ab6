//! Money at its currency's scale. The scale is the currency's ISO 4217 minor
//! unit, `Currency::minor_unit_scale` (data in one place, not literals at each use): every
//! amount the API returns is brought to it (`"67500.00"`, never `"67500"` beside
//! `"315625.00"`), and an input amount with more decimal places than it is a user error,
//! never rounded. This module must not round an amount: it only adds trailing zeros.

use entity::enums::Currency;
use rust_decimal::Decimal;

use crate::error::{Problems, UserError, UserErrorReason};

/// The amount written with exactly its currency's decimal places. An amount already finer
/// than that (never stored since input is checked, but never silently rounded either) is
/// returned as it is.
pub fn at_scale(amount: Decimal, currency: Currency) -> Decimal {
    let scale = currency.minor_unit_scale();
    let mut a = amount.normalize();
    if a.scale() <= scale {
        a.rescale(scale);
    }
    a
}

/// The optional amount at its currency's scale.
pub fn opt_at_scale(amount: Option<Decimal>, currency: Currency) -> Option<Decimal> {
    amount.map(|a| at_scale(a, currency))
}

/// Whether the amount needs more decimal places than the currency has (`300.005` KZT).
pub fn finer_than_minor_unit(amount: Decimal, currency: Currency) -> bool {
    amount.normalize().scale() > currency.minor_unit_scale()
}

/// Records a `FINER_THAN_MINOR_UNIT` user error on `field` when the amount is finer than
/// its currency's minor unit.
pub fn check_scale(problems: &mut Problems, field: &[&str], amount: Decimal, currency: Currency) {
    problems.check(!finer_than_minor_unit(amount, currency), || finer_error(field, currency));
}

fn finer_error(field: &[&str], currency: Currency) -> UserError {
    let scale = currency.minor_unit_scale();
    UserError::invalid(field, UserErrorReason::FinerThanMinorUnit)
        .with_param("currency", currency.code())
        .with_param("scale", scale)
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn amounts_come_back_with_the_currencys_decimal_places() {
        assert_eq!(at_scale(dec!(67500), Currency::Kzt).to_string(), "67500.00");
        assert_eq!(at_scale(dec!(315625.5), Currency::Kgs).to_string(), "315625.50");
        assert_eq!(at_scale(dec!(0.000), Currency::Usd).to_string(), "0.00");
        // Never rounded: a finer amount stays as it is.
        assert_eq!(at_scale(dec!(300.005), Currency::Kzt).to_string(), "300.005");
    }

    #[test]
    fn an_amount_finer_than_the_minor_unit_is_refused_with_its_scale_and_currency() {
        assert!(!finer_than_minor_unit(dec!(300.00), Currency::Kzt));
        assert!(!finer_than_minor_unit(dec!(300.10000), Currency::Kzt));
        assert!(finer_than_minor_unit(dec!(300.005), Currency::Kzt));
        let mut p = Problems::new();
        check_scale(&mut p, &["amount"], dec!(300.005), Currency::Kzt);
        let Err(crate::error::ServiceError::User(errors)) = p.finish() else { panic!("refused") };
        assert_eq!(errors[0].reason, UserErrorReason::FinerThanMinorUnit);
        assert_eq!(errors[0].params["scale"], 2);
        assert_eq!(errors[0].params["currency"], "KZT");
    }
}
