-- recordContact as the API runs it for a permitted letter (statements captured from the
-- PostgreSQL log with log_statement=all; ids, hashes and JSON are literals here). run.sh
-- replaces :'agency' with the agency's id and :'last' with its number of loans less one;
-- the first statement (outside the transaction) picks one of them at random.
-- The order is the API's: the outbox rows and their notification first, the
-- audit chain head locked last.
\set r random(1, 9000000000000000)
\set i random(0, :'last')
SELECT loan_id AS loan FROM collection_assignment WHERE agency_id = :'agency' AND ended_at IS NULL ORDER BY id OFFSET :i LIMIT 1 \gset
BEGIN;
INSERT INTO idempotency_key (id, principal_key, client_submission_id, operation, request_hash, result_id, created_at) VALUES (md5('i' || :r)::uuid, 'COLLECTION_AGENCY:dev@' || :'agency', md5('s' || :r)::uuid, 'recordContact', '618457c4796a6449d7c53f2450ccda07beee30b1a217e91809b12c799defcf1e', NULL, now()) ON CONFLICT (principal_key, client_submission_id) DO NOTHING;
SELECT * FROM loan WHERE id = ':loan' AND id IN (SELECT loan_id FROM collection_assignment WHERE agency_id = :'agency' AND ended_at IS NULL) LIMIT 1;
SELECT (SELECT language FROM borrower b WHERE b.id = l.borrower_id) AS s_language,
  EXISTS (SELECT 1 FROM collection_assignment a WHERE a.loan_id = l.id AND a.ended_at IS NULL) AS s_at_agency,
  EXISTS (SELECT 1 FROM restructuring_application r WHERE r.loan_id = l.id AND r.status IN ('REGISTERED','DOCUMENTS_REQUESTED','INADMISSIBLE','COUNTER_PROPOSED')) AS s_under_review,
  (SELECT max(home_protected_until) FROM regulator_appeal p WHERE p.loan_id = l.id AND p.status = 'UNDER_REVIEW') AS s_home,
  (SELECT status FROM military_deferral d WHERE d.loan_id = l.id AND d.status <> 'NOT_APPLICABLE' ORDER BY created_at DESC LIMIT 1) AS s_deferral_status,
  (SELECT service_start FROM military_deferral d WHERE d.loan_id = l.id AND d.status <> 'NOT_APPLICABLE' ORDER BY created_at DESC LIMIT 1) AS s_deferral_service_start,
  (SELECT protected_until FROM military_deferral d WHERE d.loan_id = l.id AND d.status <> 'NOT_APPLICABLE' ORDER BY created_at DESC LIMIT 1) AS s_deferral_protected_until
FROM loan l WHERE l.id = ':loan' LIMIT 1;
SELECT * FROM installment WHERE loan_id = ':loan' ORDER BY seq;
SELECT * FROM payment WHERE loan_id = ':loan' ORDER BY paid_at;
SELECT * FROM contact_event WHERE borrower_id = (SELECT borrower_id FROM loan WHERE id = ':loan') AND occurred_at >= timestamptz '2026-11-15 19:00Z' AND occurred_at <= timestamptz '2026-11-17 05:59:59.999999Z';
SELECT * FROM organization WHERE id = :'agency' LIMIT 1;
SELECT * FROM borrower WHERE id = (SELECT borrower_id FROM loan WHERE id = ':loan') LIMIT 1;
INSERT INTO contact_event (id, loan_id, borrower_id, mfo_id, jurisdiction, contactor_org_id, recorded_by, channel, occurred_at, party, third_party_purpose, destination, disclosure, outcome, note, clearance, violations, misrepresentation, created_at) SELECT md5('c' || :r)::uuid, l.id, l.borrower_id, l.mfo_id, 'KZ', :'agency', 'COLLECTION_AGENCY:dev@' || :'agency', 'LETTER', timestamptz '2026-11-17 06:00Z', 'BORROWER', NULL, 'Abay 1, Almaty', '{"personName": "A. Collector", "personPosition": "Collector", "organizationName": "Bench Agency", "organizationLocation": "Almaty"}', 'NO_ANSWER', NULL, 'UNCLEARED', '[]', NULL, now() FROM loan l WHERE l.id = ':loan';
UPDATE idempotency_key SET result_id = md5('c' || :r)::uuid WHERE id = md5('i' || :r)::uuid;
INSERT INTO outbox_event (id, occurred_at, topic, subject_type, subject_id, org_id, jurisdiction, payload) VALUES (md5('o' || :r)::uuid, now(), 'contact.recorded', 'contact', md5('c' || :r)::uuid, (SELECT mfo_id FROM loan WHERE id = ':loan'), 'KZ', '{"party": "BORROWER", "channel": "LETTER", "clearance": "UNCLEARED", "occurredAt": "2026-11-17T06:00:00Z", "violations": []}');
SELECT pg_notify('mfo_outbox_bench', current_schema() || ' ' || md5('o' || :r));
UPDATE chain_head SET appended = appended WHERE name = 'audit' RETURNING name, last_hash, appended;
INSERT INTO audit_entry (id, recorded_at, actor, org_id, action, subject_type, subject_id, before, after, prev_hash, hash) VALUES (md5('a' || :r)::uuid, now(), 'COLLECTION_AGENCY:dev@' || :'agency', (SELECT mfo_id FROM loan WHERE id = ':loan'), 'contact.recorded', 'contact', md5('c' || :r)::uuid, NULL, '{"party": "BORROWER", "channel": "LETTER", "clearance": "UNCLEARED", "occurredAt": "2026-11-17T06:00:00Z", "violations": []}', '0e5b261a61923892de3325f479bb9bdac33cfc1014a23aa15be5aeca70ac59d2', 'af0aee06092099f11a2dcfdd41def1ea68f9ca6b1aec2dfa9d1eddef580247a0');
UPDATE chain_head SET last_hash = 'af0aee06092099f11a2dcfdd41def1ea68f9ca6b1aec2dfa9d1eddef580247a0', appended = appended + 1 WHERE name = 'audit';
COMMIT;
