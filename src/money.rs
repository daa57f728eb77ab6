//! Money: an amount in its currency (`Money`), written at the currency's scale. The scale
//! is the currency's ISO 4217 minor unit, `Currency::minor_unit_scale` (data in one place,
//! not literals at each use): every amount the API returns is brought to it (`"67500.00"`,
//! never `"67500"` beside `"315625.00"`), and an input amount with more decimal places than
//! it is a user error, never rounded. This module must not round an amount on output or
//! input (output only adds trailing zeros); it rounds only when a rule asks
//! (`Money::round_to_minor_unit`).

use std::fmt;

use entity::enums::Currency;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{Problems, UserError, UserErrorReason};

/// An amount in its currency. It writes itself at the currency's scale on output
/// (`at_scale`, `Display`) and rounds to the currency's minor unit where a rule divides
/// (`round_to_minor_unit`); anything else is done on `amount()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Self { amount, currency }
    }

    /// The amount as it is held, not brought to any scale.
    pub fn amount(self) -> Decimal {
        self.amount
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    /// The amount written with exactly its currency's decimal places. An amount already
    /// finer than that (never stored since input is checked, but never silently rounded
    /// either) is returned as it is.
    pub fn at_scale(self) -> Decimal {
        let scale = self.currency.minor_unit_scale();
        let mut a = self.amount.normalize();
        if a.scale() <= scale {
            a.rescale(scale);
        }
        a
    }

    /// The amount rounded to the currency's minor unit, half to even (banker's rounding,
    /// as `Decimal::round_dp`), for the rules that divide an amount (R2.1, R2.4, C9.5).
    pub fn round_to_minor_unit(self) -> Self {
        let scale = self.currency.minor_unit_scale();
        Self::new(self.amount.round_dp_with_strategy(scale, RoundingStrategy::MidpointNearestEven), self.currency)
    }
}

/// The amount at its currency's scale, as the API and the letters write it.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.at_scale().fmt(f)
    }
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
        let cases = [
            (dec!(67500), Currency::Kzt, "67500.00"),
            (dec!(315625.5), Currency::Kgs, "315625.50"),
            (dec!(0.000), Currency::Usd, "0.00"),
            (dec!(-12.3), Currency::Kzt, "-12.30"),
            (dec!(100.10000), Currency::Kgs, "100.10"),
            // Never rounded: a finer amount stays as it is.
            (dec!(300.005), Currency::Kzt, "300.005"),
        ];
        for (amount, currency, written) in cases {
            let m = Money::new(amount, currency);
            assert_eq!(m.at_scale().to_string(), written, "{amount} {currency:?}");
            assert_eq!(m.to_string(), written, "{amount} {currency:?}");
            assert_eq!(m.amount(), amount, "held as given");
            assert_eq!(m.currency(), currency);
        }
    }

    /// R2.1 and R2.4 (monthly interest and equal parts of a new schedule) and C9.5 (interest
    /// accrued pro rata) round to the minor unit, half to even like `Decimal::round_dp`.
    #[test]
    fn r2_c9_rounding_goes_to_the_minor_unit_half_to_even() {
        let cases = [
            (dec!(1666.666666), Currency::Kzt, "1666.67"),
            (dec!(10.125), Currency::Kgs, "10.12"),
            (dec!(10.135), Currency::Usd, "10.14"),
            (dec!(-10.125), Currency::Kzt, "-10.12"),
            (dec!(0.004), Currency::Kzt, "0.00"),
            (dec!(7), Currency::Kzt, "7"),
        ];
        for (amount, currency, rounded) in cases {
            let r = Money::new(amount, currency).round_to_minor_unit();
            assert_eq!(r.amount().to_string(), rounded, "{amount} {currency:?}");
            assert_eq!(r.amount(), amount.round_dp(currency.minor_unit_scale()), "as round_dp: {amount}");
            assert_eq!(r.currency(), currency);
        }
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
