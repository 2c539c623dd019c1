-- The chain's figures, as views over the events (security_invoker: row-level security applies
-- to whoever reads them). A day is the site's local day. Amounts are numeric, read from the
-- decimal strings the terminals send; a value that is not a decimal counts as nothing rather
-- than breaking the figures (till_num), and a list that is not a list as an empty one.

CREATE FUNCTION till_num(t text) RETURNS numeric LANGUAGE sql IMMUTABLE
  AS $$ SELECT CASE WHEN t ~ '^-?[0-9]{1,18}(\.[0-9]{1,9})?$' THEN t::numeric END $$;
CREATE FUNCTION till_arr(j jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE
  AS $$ SELECT CASE WHEN jsonb_typeof(j) = 'array' THEN j ELSE '[]'::jsonb END $$;

-- Sales and refunds per site and day.
CREATE VIEW fig_sales_by_site_day WITH (security_invoker = true) AS
SELECT e.chain_id, s.code AS site, (e.created_at AT TIME ZONE s.time_zone)::date AS day,
       count(*) FILTER (WHERE e.kind = 'sale') AS sales,
       coalesce(sum(e.amount) FILTER (WHERE e.kind = 'sale'), 0) AS sales_amount,
       count(*) FILTER (WHERE e.kind = 'refund') AS refunds,
       coalesce(sum(e.amount) FILTER (WHERE e.kind = 'refund'), 0) AS refunds_amount,
       coalesce(sum(e.amount), 0) AS net_amount
  FROM events e JOIN sites s ON s.id = e.site_id
 WHERE e.kind IN ('sale', 'refund')
 GROUP BY e.chain_id, s.code, (e.created_at AT TIME ZONE s.time_zone)::date;

-- Fuel sold per site, day and grade: the sales' fuel lines that were not voided (refunds are in
-- fig_sales_by_site_day and fig_losses_by_site_day).
CREATE VIEW fig_fuel_by_grade_day WITH (security_invoker = true) AS
SELECT e.chain_id, s.code AS site, (e.created_at AT TIME ZONE s.time_zone)::date AS day,
       l->>'sku' AS grade,
       coalesce(sum(till_num(l->>'qty')), 0) AS litres,
       coalesce(sum(till_num(l->>'amount')), 0) AS amount
  FROM events e JOIN sites s ON s.id = e.site_id
 CROSS JOIN LATERAL jsonb_array_elements(till_arr(e.payload->'sale'->'lines')) l
 WHERE e.kind = 'sale' AND l->>'kind' = 'fuel' AND l->'voided' IS DISTINCT FROM 'true'::jsonb
 GROUP BY e.chain_id, s.code, (e.created_at AT TIME ZONE s.time_zone)::date, l->>'sku';

-- Takings per site, day and tender: payments as taken, cash less the change given.
CREATE VIEW fig_tenders_by_site_day WITH (security_invoker = true) AS
WITH moves AS (
  SELECT e.chain_id, e.site_id, e.created_at, p->>'method' AS method, till_num(p->>'amount') AS amount, 1 AS n
    FROM events e CROSS JOIN LATERAL jsonb_array_elements(till_arr(e.payload->e.kind->'payments')) p
   WHERE e.kind IN ('sale', 'refund')
  UNION ALL
  SELECT e.chain_id, e.site_id, e.created_at, 'cash', -till_num(e.payload->e.kind->>'change'), 0
    FROM events e WHERE e.kind IN ('sale', 'refund') AND till_num(e.payload->e.kind->>'change') <> 0
)
SELECT m.chain_id, s.code AS site, (m.created_at AT TIME ZONE s.time_zone)::date AS day, m.method,
       sum(m.n) AS payments, coalesce(sum(m.amount), 0) AS amount
  FROM moves m JOIN sites s ON s.id = m.site_id
 GROUP BY m.chain_id, s.code, (m.created_at AT TIME ZONE s.time_zone)::date, m.method;

-- Refunds and drive-offs per site and day.
CREATE VIEW fig_losses_by_site_day WITH (security_invoker = true) AS
SELECT e.chain_id, s.code AS site, (e.created_at AT TIME ZONE s.time_zone)::date AS day,
       count(*) FILTER (WHERE e.kind = 'refund') AS refunds,
       coalesce(sum(e.amount) FILTER (WHERE e.kind = 'refund'), 0) AS refunds_amount,
       count(*) FILTER (WHERE e.kind = 'drive_off') AS drive_offs,
       coalesce(sum(till_num(e.payload->>'litres')) FILTER (WHERE e.kind = 'drive_off'), 0) AS drive_off_litres,
       coalesce(sum(e.amount) FILTER (WHERE e.kind = 'drive_off'), 0) AS drive_off_amount
  FROM events e JOIN sites s ON s.id = e.site_id
 WHERE e.kind IN ('refund', 'drive_off')
 GROUP BY e.chain_id, s.code, (e.created_at AT TIME ZONE s.time_zone)::date;

-- Each Z as its terminal sent it.
CREATE VIEW fig_z_reports WITH (security_invoker = true) AS
SELECT e.chain_id, s.code AS site, t.code AS terminal, (e.created_at AT TIME ZONE s.time_zone)::date AS day,
       CASE WHEN e.payload->>'z_no' ~ '^[0-9]{1,9}$' THEN (e.payload->>'z_no')::int END AS z_no,
       e.created_at AS at, e.payload->>'report_sha256' AS report_sha256, e.payload->'report' AS report
  FROM events e JOIN sites s ON s.id = e.site_id JOIN terminals t ON t.id = e.terminal_id
 WHERE e.kind = 'z_report';

GRANT SELECT ON fig_sales_by_site_day, fig_fuel_by_grade_day, fig_tenders_by_site_day,
                fig_losses_by_site_day, fig_z_reports TO till_app;
