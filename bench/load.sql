-- Deterministic portfolio for bench/run.sh, in the shape the API writes its rows.
-- psql variables: loans, borrowers, complaints, mfo, agency, assigned (loans handed to the agency).
-- Ids are md5-derived UUIDs (the same on every run). Not written: audit entries and
-- outbox events (the bench reads; `mfo-api audit verify` is not run on this data).
\set ON_ERROR_STOP on
BEGIN;

INSERT INTO borrower (id, mfo_id, external_id, full_name, national_id, address, phone, email, language,
                      socially_vulnerable, created_at, updated_at)
SELECT md5('borrower-' || i)::uuid, :'mfo', 'B-' || i, 'Borrower ' || i, lpad(i::text, 12, '0'),
       'Abay ' || (i % 200) || ', Almaty', '+7 701 ' || lpad((i % 10000000)::text, 7, '0'), NULL,
       CASE WHEN i % 4 = 0 THEN 'KK' ELSE 'RU' END, i % 17 = 0,
       timestamptz '2024-12-01 04:00Z', timestamptz '2024-12-01 04:00Z'
FROM generate_series(1, :borrowers) AS i;

-- Loan i: 12 monthly installments from a contract date in 2024-12 .. 2026-10; paid = i % 13
-- installments paid on their due dates (12: repaid and CLOSED).
CREATE TEMP TABLE bench_loan AS
SELECT i,
       md5('loan-' || i)::uuid AS id,
       md5('borrower-' || (1 + (i - 1) % :borrowers))::uuid AS borrower_id,
       (date '2024-12-01' + ((i * 7) % 690))::date AS contract_date,
       (100000 + (i % 50) * 10000)::numeric AS principal,
       i % 13 AS paid
FROM generate_series(1, :loans) AS i;

INSERT INTO loan (id, mfo_id, borrower_id, jurisdiction, external_id, contract_number, contract_date, currency,
                  principal, annual_rate, term_months, credit_limit, status, repayment_order, mortgage_secured,
                  secured_by_dwelling, business_purpose, contract_allows_agency, first_unpaid_due_date,
                  notice_episode_since, notice_checked_due_date, created_at, updated_at,
                  contract_meetings_on_days_off)
SELECT id, :'mfo', borrower_id, 'KZ', 'L-' || i, 'C-' || i, contract_date, 'KZT', principal, 0.30, 12, NULL,
       CASE WHEN paid = 12 THEN 'CLOSED' ELSE 'ACTIVE' END, 'INTEREST_FIRST', i % 50 = 0, i % 100 = 0, false,
       true,
       CASE WHEN paid = 12 THEN NULL ELSE (contract_date + make_interval(months => paid + 1))::date END,
       NULL,
       -- The R1 sweep has seen every loan's oldest unpaid date: starting the server does not
       -- open a notice duty per overdue loan of the data set.
       CASE WHEN paid = 12 THEN NULL ELSE (contract_date + make_interval(months => paid + 1))::date END,
       contract_date::timestamptz, contract_date::timestamptz, false
FROM bench_loan;

INSERT INTO installment (id, loan_id, seq, due_date, principal, interest)
SELECT md5('installment-' || l.i || '-' || s)::uuid, l.id, s, (l.contract_date + make_interval(months => s))::date,
       round(l.principal / 12, 2), round(l.principal * 0.30 / 12, 2)
FROM bench_loan l, generate_series(1, 12) AS s;

INSERT INTO payment (id, loan_id, external_id, paid_at, amount, created_at)
SELECT md5('payment-' || l.i || '-' || s)::uuid, l.id, 'P-' || l.i || '-' || s,
       (l.contract_date + make_interval(months => s))::timestamptz + interval '6 hours',
       round(l.principal / 12, 2) + round(l.principal * 0.30 / 12, 2),
       (l.contract_date + make_interval(months => s))::timestamptz + interval '6 hours'
FROM bench_loan l, generate_series(1, 12) AS s
WHERE s <= l.paid;

-- The agency works the first :assigned overdue loans.
INSERT INTO collection_assignment (id, loan_id, agency_id, assigned_at, ended_at, assigned_by)
SELECT md5('assignment-' || l.i)::uuid, l.id, :'agency', timestamptz '2026-11-01 04:00Z', NULL, 'bench'
FROM bench_loan l
WHERE l.paid < 12 AND (l.contract_date + make_interval(months => l.paid + 1))::date < date '2026-11-01'
ORDER BY l.i
LIMIT :assigned;

-- Complaints: journal 2026, one every ~10 minutes back from 2026-11-27; the last 2% open
-- (C8 deadline open, due after today), the rest answered on time (deadline met).
CREATE TEMP TABLE bench_complaint AS
SELECT i, md5('complaint-' || i)::uuid AS id,
       timestamptz '2026-11-27 05:00Z' - make_interval(mins => (:complaints - i) * 10) AS registered_at,
       i > :complaints * 98 / 100 AS open
FROM generate_series(1, :complaints) AS i;

INSERT INTO complaint (id, mfo_id, jurisdiction, journal_year, journal_seq, kind, channel, form, language, substance,
                       complainants, answer_address, signed, dated_on, missing_content, borrower_id, loan_id, branch,
                       received_at, registered_at, registered_by, status, updated_at)
SELECT c.id, :'mfo', 'KZ', 2026, c.i, 'COMPLAINT', 'POST', 'WRITTEN', 'RU', 'The fee was charged twice.',
       jsonb_build_array(jsonb_build_object('fullName', 'Borrower ' || c.i, 'address', 'Abay 1, Almaty',
                                            'phone', '+7 701 111 2233', 'email', NULL)),
       NULL, true, (c.registered_at)::date, '[]'::jsonb,
       md5('borrower-' || (1 + (c.i - 1) % :borrowers))::uuid, md5('loan-' || (1 + (c.i - 1) % :loans))::uuid, NULL,
       c.registered_at, c.registered_at, 'MFO_STAFF:bench@' || :'mfo',
       CASE WHEN c.open THEN 'REGISTERED' ELSE 'ANSWERED' END, c.registered_at
FROM bench_complaint c;

INSERT INTO deadline (id, org_id, jurisdiction, subject_type, subject_id, kind, rule, obligor, dedupe_key, started_at,
                      due_at, due_date, status, policy_version_id, extensions, closed_at)
SELECT md5('deadline-' || c.i)::uuid, :'mfo', 'KZ', 'complaint', c.id, 'COMPLAINT_ANSWER', 'C8', 'MFO',
       c.id || ':COMPLAINT_ANSWER:1', c.registered_at,
       -- 14 calendar days is at least 10 business days; the bench does not judge it.
       c.registered_at + interval '14 days', (c.registered_at + interval '14 days')::date,
       CASE WHEN c.open THEN 'OPEN' ELSE 'MET' END,
       (SELECT id FROM policy_version WHERE jurisdiction = 'KZ' ORDER BY effective_from LIMIT 1), 0,
       CASE WHEN c.open THEN NULL ELSE c.registered_at + interval '7 days' END
FROM bench_complaint c;

INSERT INTO complaint_journal_counter (mfo_id, year, last_number) VALUES (:'mfo', 2026, :complaints);

COMMIT;
ANALYZE;
