//! The documents the law prescribes, as PDF/A-2u files. `pdf` sets a letter's blocks on
//! A4 pages in the embedded DejaVu Sans and writes it with `krilla`, deterministically.

pub mod pdf;
