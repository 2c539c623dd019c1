-- Till head office, schema 1: chains, sites, terminals, the events they send (once each), the
-- idempotency records, price books and the office's users. Every table carries chain_id and is
-- under row-level security: the server works as till_app, with the chain of the request in
-- till.chain, and sees and writes that chain's rows only. site_id is in every key of the tables
-- that grow, so that they can be distributed by site (docs/head-office.md).

DO $$ BEGIN
  CREATE ROLE till_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
-- The schema's owner (the head office's login) works as till_app in every request.
GRANT till_app TO CURRENT_USER;

CREATE FUNCTION till_chain() RETURNS bigint LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(current_setting('till.chain', true), '')::bigint $$;

CREATE TABLE chains (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_-]{1,32}$'),
  name        text NOT NULL,
  currency    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  minor_units smallint NOT NULL DEFAULT 2 CHECK (minor_units BETWEEN 0 AND 4),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sites (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  chain_id   bigint NOT NULL REFERENCES chains,
  code       text NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{1,32}$'),
  name       text NOT NULL,
  -- The site's own time zone: its days in the figures are its local days.
  time_zone  text NOT NULL DEFAULT 'UTC',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (chain_id, code)
);

-- A terminal's code is its [terminal] id, the one in the URL. Only the SHA-256 of its token is
-- kept. A revoked terminal keeps its row (its events stay) and its token stops working.
CREATE TABLE terminals (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  chain_id     bigint NOT NULL REFERENCES chains,
  site_id      bigint NOT NULL REFERENCES sites,
  code         text NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{1,32}$'),
  token_sha256 bytea NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz,
  UNIQUE (chain_id, code)
);

-- Every event id a terminal has sent, kept forever: the one place that says "stored already",
-- whatever month the event fell in.
CREATE TABLE event_ids (
  chain_id    bigint NOT NULL,
  site_id     bigint NOT NULL,
  terminal_id bigint NOT NULL,
  event_id    uuid NOT NULL,
  PRIMARY KEY (site_id, terminal_id, event_id)
);

-- The events, partitioned by the month they happened in: the raw event as JSONB and the columns
-- the figures need. Partitions are made ahead of time (till_ensure_partitions); an event from
-- outside them (a terminal's clock far off) goes to events_default.
CREATE TABLE events (
  chain_id    bigint NOT NULL,
  site_id     bigint NOT NULL,
  terminal_id bigint NOT NULL,
  event_id    uuid NOT NULL,
  seq         bigint NOT NULL,
  kind        text NOT NULL,
  created_at  timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  amount      numeric,
  currency    text,
  payload     jsonb NOT NULL,
  PRIMARY KEY (site_id, terminal_id, event_id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE events_default PARTITION OF events DEFAULT;
CREATE INDEX events_figures ON events (chain_id, kind, created_at);
CREATE INDEX events_order ON events (terminal_id, seq);

CREATE TABLE idempotency (
  chain_id    bigint NOT NULL,
  site_id     bigint NOT NULL,
  terminal_id bigint NOT NULL,
  key         uuid NOT NULL,
  body_sha256 bytea NOT NULL,
  answer      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, terminal_id, key)
);
CREATE INDEX idempotency_age ON idempotency (created_at);

-- A chain's price book, imported whole; site_id NULL is the chain's own price, a site's row
-- overrides it for that site.
CREATE TABLE pricebooks (
  chain_id    bigint PRIMARY KEY REFERENCES chains,
  version     text NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE price_entries (
  chain_id     bigint NOT NULL REFERENCES chains,
  site_id      bigint REFERENCES sites,
  kind         text NOT NULL CHECK (kind IN ('item', 'fuel')),
  code         text NOT NULL,
  price        numeric NOT NULL CHECK (price >= 0),
  effective_at timestamptz NOT NULL,
  UNIQUE NULLS NOT DISTINCT (chain_id, site_id, kind, code, effective_at)
);

CREATE TABLE office_users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  chain_id      bigint NOT NULL REFERENCES chains,
  name          text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE office_sessions (
  token_sha256 bytea PRIMARY KEY,
  chain_id     bigint NOT NULL,
  user_id      bigint NOT NULL REFERENCES office_users ON DELETE CASCADE,
  expires_at   timestamptz NOT NULL
);

-- Row-level security: one policy per table, the same rule everywhere.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['sites', 'terminals', 'event_ids', 'events', 'idempotency', 'pricebooks',
                           'price_entries', 'office_users', 'office_sessions'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY chain_only ON %I USING (chain_id = till_chain()) WITH CHECK (chain_id = till_chain())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO till_app', t);
  END LOOP;
END $$;
ALTER TABLE chains ENABLE ROW LEVEL SECURITY;
CREATE POLICY chain_only ON chains USING (id = till_chain());
GRANT SELECT ON chains TO till_app;

-- What a request needs before it knows its chain, and nothing more: these run as the schema's
-- owner (past row-level security) and answer for one token, user or session.
CREATE FUNCTION till_terminal_by_token(sha bytea)
  RETURNS TABLE (chain_id bigint, site_id bigint, terminal_id bigint, code text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
  AS $$ SELECT chain_id, site_id, id, code FROM terminals WHERE token_sha256 = sha AND revoked_at IS NULL $$;
CREATE FUNCTION till_office_user(user_name text)
  RETURNS TABLE (user_id bigint, chain_id bigint, password_hash text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
  AS $$ SELECT id, chain_id, password_hash FROM office_users WHERE name = user_name $$;
CREATE FUNCTION till_office_session(sha bytea)
  RETURNS TABLE (user_id bigint, chain_id bigint, name text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
  AS $$ SELECT u.id, s.chain_id, u.name FROM office_sessions s JOIN office_users u ON u.id = s.user_id
        WHERE s.token_sha256 = sha AND s.expires_at > now() $$;
REVOKE ALL ON FUNCTION till_terminal_by_token(bytea), till_office_user(text), till_office_session(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION till_terminal_by_token(bytea), till_office_user(text), till_office_session(bytea) TO till_app;

-- Monthly partitions of events from one month back to `ahead` months on; made at migration and
-- by the server every hour. A month whose rows already sit in events_default is left to the
-- operator (a warning says so).
CREATE FUNCTION till_ensure_partitions(ahead int) RETURNS int
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  m date := date_trunc('month', (now() AT TIME ZONE 'UTC') - interval '1 month')::date;
  made int := 0;
  name text;
BEGIN
  FOR i IN 0 .. ahead + 1 LOOP
    name := format('events_y%sm%s', to_char(m, 'YYYY'), to_char(m, 'MM'));
    IF to_regclass(name) IS NULL THEN
      BEGIN
        EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                       name, to_char(m, 'YYYY-MM-DD') || ' 00:00:00+00',
                       to_char((m + interval '1 month')::date, 'YYYY-MM-DD') || ' 00:00:00+00');
        made := made + 1;
      EXCEPTION WHEN check_violation THEN
        RAISE WARNING 'partition % not made: events_default holds rows of that month', name;
      END;
    END IF;
    m := (m + interval '1 month')::date;
  END LOOP;
  RETURN made;
END $$;

-- Idempotency records are kept 8 days (the API promises at least 7); event ids are kept forever.
CREATE FUNCTION till_purge_idempotency() RETURNS bigint
  LANGUAGE sql SECURITY DEFINER SET search_path = public
  AS $$ WITH gone AS (DELETE FROM idempotency WHERE created_at < now() - interval '8 days' RETURNING 1)
        SELECT count(*) FROM gone $$;
REVOKE ALL ON FUNCTION till_ensure_partitions(int), till_purge_idempotency() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION till_ensure_partitions(int), till_purge_idempotency() TO till_app;
