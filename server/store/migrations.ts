import type { Db } from './db'
import { ROUTING_MIGRATION } from './routingConfig'

/**
 * The schema, as an append-only list: a deployed migration is never edited, a change is a new entry.
 * `migrate()` applies the missing ones at start, each in its own transaction, under an advisory lock
 * so that several server processes starting against one PostgreSQL do not race.
 *
 * Conventions: times are bigint milliseconds since the epoch; durations are integer seconds (as the
 * Stringee call history reports them); every configuration row carries its company (`company_id`),
 * and ids are the Stringee-style strings the REST API hands out.
 */
export interface Migration {
  version: number
  name: string
  sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'configuration, call records, recordings, greetings, webhook outbox',
    sql: `
create table companies (
  id              text primary key,
  name            text not null,
  project_id      integer not null unique,
  account_id      integer not null,
  account_sid     text not null,
  api_key_sid     text not null unique,
  event_url       text,
  webhook_secret  text not null,
  created_at      bigint not null
);

create table extensions (
  company_id  text not null references companies(id) on delete cascade,
  ext         text not null,
  primary key (company_id, ext)
);

create table agents (
  uuid                text primary key,
  company_id          text not null references companies(id) on delete cascade,
  agent_id            text not null,
  name                text not null,
  ext                 text not null default '',
  mobile              text not null default '',
  phone_types         jsonb not null,
  default_phone_type  text not null,
  supervisor          boolean not null default false,
  sip_password        text not null,
  stringee_user_id    text not null,
  phone_number        text not null default '',
  routing_type        smallint not null default 1 check (routing_type in (1, 2)),
  manual_status       text not null default 'AVAILABLE',
  system_status       smallint not null default 0,
  created_at          bigint not null,
  unique (company_id, agent_id),
  unique (company_id, stringee_user_id)
);

create table queues (
  id                            text primary key,
  company_id                    text not null references companies(id) on delete cascade,
  name                          text not null,
  record_calls                  boolean not null default true,
  agent_wrap_up_after_calls     boolean not null default true,
  wrap_up_time_limit            integer not null default 10 check (wrap_up_time_limit >= 0),
  schedule                      smallint not null default 1 check (schedule in (1, 2)),
  wait_agent_answer_timeout     integer not null default 15 check (wait_agent_answer_timeout >= 3),
  wait_greeting                 text,
  hold_greeting                 text,
  maximum_queue_size            integer not null default 5 check (maximum_queue_size >= 0),
  maximum_queue_wait_time       integer not null default 60 check (maximum_queue_wait_time >= 0),
  from_number_callout_to_agent  text,
  get_list_agents_url           text,
  cond_routing                  smallint not null default 1 check (cond_routing in (1, 2)),
  enable_voicemail              boolean not null default false,
  created_at                    bigint not null
);

create table agent_groups (
  id          text primary key,
  company_id  text not null references companies(id) on delete cascade,
  name        text not null,
  created_at  bigint not null
);

create table agent_group_members (
  group_id    text not null references agent_groups(id) on delete cascade,
  agent_uuid  text not null references agents(uuid) on delete cascade,
  position    integer not null,
  primary key (group_id, agent_uuid)
);

create table group_routing (
  id          text primary key,
  company_id  text not null references companies(id) on delete cascade,
  queue_id    text not null references queues(id) on delete cascade,
  group_id    text not null references agent_groups(id) on delete cascade,
  priority    integer not null default 1 check (priority >= 1),
  unique (queue_id, group_id)
);

create table ivr_trees (
  id            text primary key,
  company_id    text not null references companies(id) on delete cascade,
  name          text not null,
  root_node_id  text,
  created_at    bigint not null
);

create table ivr_nodes (
  id                text primary key,
  company_id        text not null references companies(id) on delete cascade,
  tree_id           text not null references ivr_trees(id) on delete cascade,
  name              text not null,
  play_mode         text not null check (play_mode in ('talk', 'play')),
  play_content      text not null,
  barge_in          boolean not null default true,
  loop_count        integer not null default 1 check (loop_count >= 1),
  sched             integer not null default 0 check (sched >= 0),
  voice             text not null default 'hn_female_thutrang_phrase_48k-hsmm',
  speed             integer not null default 0 check (speed between -3 and 3),
  keypress_timeout  integer not null default 5 check (keypress_timeout >= 1),
  created_at        bigint not null
);

alter table ivr_trees add foreign key (root_node_id) references ivr_nodes(id) on delete set null;

create table ivr_keys (
  id                            text primary key,
  company_id                    text not null references companies(id) on delete cascade,
  node_id                       text not null references ivr_nodes(id) on delete cascade,
  key                           text not null,
  action                        smallint not null check (action between 1 and 6),
  next_node_id                  text references ivr_nodes(id),
  queue_id                      text references queues(id),
  to_phone_number               text,
  from_number_callout_to_agent  text,
  sms                           text,
  unique (node_id, key)
);

create table numbers (
  id                     text primary key,
  company_id             text not null references companies(id) on delete cascade,
  number                 text not null unique,
  nickname               text not null default '',
  allow_outbound_calls   boolean not null default true,
  enable_ivr             boolean not null default false,
  ivr_tree_id            text references ivr_trees(id),
  queue_id               text references queues(id),
  record_outbound_calls  boolean not null default false,
  created_at             bigint not null
);

create table call_records (
  id                   text primary key,
  company_id           text not null references companies(id) on delete cascade,
  customer_number      text not null default '',
  stringee_number      text not null default '',
  direction            smallint not null check (direction in (0, 1, 2)),
  start_time           bigint not null,
  end_time             bigint not null default 0,
  answer_time          bigint not null default 0,
  first_answer_time    bigint,
  enqueue_time         integer not null default 0,
  duration             integer not null default 0,
  ivr_duration         integer not null default 0,
  hold_duration        integer not null default 0,
  talk_duration        integer not null default 0,
  acw_duration         integer not null default 0,
  answer_duration      integer not null default 0,
  portal               text,
  agent_id             text,
  account_name         text,
  account_email        text,
  from_user_id         text,
  recorded             boolean not null default false,
  have_voice_mail      boolean not null default false,
  end_call_reason      text,
  end_cause            text,
  route_to_agent       boolean not null default false,
  status               smallint check (status between 1 and 4),
  campaign_name        text,
  contact_name         text,
  contact_company_id   text,
  contact_company_name text,
  participants         jsonb,
  callee               text,
  video_call           boolean,
  queue_id             text,
  attached_data        jsonb not null default '{}'::jsonb,
  recording_path       text,
  satisfaction_key     text,
  created_at           bigint not null,
  updated_at           bigint not null
);
create index call_records_company_start on call_records (company_id, start_time desc, id);

create table recordings (
  call_id      text primary key references call_records(id) on delete cascade,
  company_id   text not null references companies(id) on delete cascade,
  path         text not null,
  format       text not null,
  bytes        bigint not null,
  duration_ms  bigint not null default 0,
  created_at   bigint not null
);

create table greetings (
  id             text primary key,
  company_id     text not null references companies(id) on delete cascade,
  filename       text not null unique,
  description    text not null default '',
  original_name  text not null default '',
  sample_rate    integer not null,
  channels       integer not null,
  bytes          bigint not null,
  duration_ms    bigint not null,
  created_at     bigint not null
);

create table webhook_outbox (
  id               bigserial primary key,
  company_id       text not null references companies(id) on delete cascade,
  call_id          text not null,
  call_status      text not null,
  url              text not null,
  body             text not null,
  status           text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts         integer not null default 0,
  next_attempt_at  bigint not null,
  lease_until      bigint,
  last_error       text,
  last_http_status integer,
  created_at       bigint not null,
  delivered_at     bigint
);
create index webhook_outbox_due on webhook_outbox (status, next_attempt_at);
create index webhook_outbox_call on webhook_outbox (company_id, call_id, id);
`,
  },
  // The routing engine's own settings (server/store/routingConfig.ts). Numbered 20 so that other
  // branches can add their migrations below it without a clash.
  ROUTING_MIGRATION,
]

/** A lock id of our own for pg_advisory_xact_lock, so concurrent starts apply each migration once. */
const MIGRATION_LOCK = 7_270_701

export async function migrate(db: Db): Promise<number[]> {
  // Under the lock too: two servers creating the table at once would collide in PostgreSQL's catalog.
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await tx.query(`create table if not exists schema_migrations (
      version     integer primary key,
      name        text not null,
      applied_at  bigint not null
    )`)
  })
  const applied: number[] = []
  for (const m of MIGRATIONS) {
    const done = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
      const seen = await tx.query('select 1 from schema_migrations where version = $1', [m.version])
      if (seen.length) return false
      for (const statement of splitStatements(m.sql)) await tx.query(statement)
      await tx.query('insert into schema_migrations (version, name, applied_at) values ($1, $2, $3)', [m.version, m.name, Date.now()])
      return true
    })
    if (done) applied.push(m.version)
  }
  return applied
}

/** Our migrations hold no semicolons inside literals or bodies, so a split on `;` at line ends is exact. */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter(Boolean)
}
