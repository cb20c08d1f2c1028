//! Admin operations from the command line, like confluent-kafka-python's
//! `examples/adminapi.py`.
//!
//! ```text
//! cargo run --example admin -- <bootstrap-servers> <operation> <args>... [-X key=value]... [-F file.properties]
//! ```
//! Prints one line per result (topic, resource, group, partition, user, ...) on stdout and
//! exits 1 if the request or any item failed, 2 on bad usage. Run without arguments for the
//! list of operations.
//!
//! Against tansu: `scripts/brokers.sh start; eval "$(scripts/brokers.sh env)"`, then e.g.
//! `cargo run --example admin -- "$RKAFKA_TANSU_BOOTSTRAP" create_topics my-topic:3` (the
//! README's *AdminClient operations* table says which operations tansu supports). On the SASL
//! broker (which does not auto-create topics): `cargo run --example admin --
//! "$RKAFKA_TANSU_SASL_BOOTSTRAP" create_topics my-topic:1 -X security.protocol=SASL_PLAINTEXT
//! -X sasl.mechanisms=SCRAM-SHA-256 -X sasl.username=alice -X sasl.password=alice-secret`. The
//! mock cluster has no admin API handlers (requests end in `_TIMED_OUT`): not applicable.

mod common;

use std::time::Duration;

use rkafka::admin::{
    AclBinding, AclBindingFilter, AlterConfigOpType, ConfigEntry, ConfigResource,
    ConsumerGroupState, ConsumerGroupTopicPartitions, ElectionType, IsolationLevel, NewPartitions,
    NewTopic, OffsetSpec, ScramMechanism, UserScramCredentialAlteration,
};
use rkafka::{AdminClient, AdminOptions, KafkaError, Offset, TopicPartition};

const USAGE: &str = "usage: admin <bootstrap-servers> <operation> <args>... [-X key=value]... [-F file.properties]

operations:
  create_topics <topic>[:<partitions>[:<replication>]] ...    (default 3 partitions, replication 1)
  delete_topics <topic> ...
  create_partitions <topic> <new_total_count> ...
  describe_topics <topic> ...
  describe_cluster
  list_topics [<topic>]
  describe_configs <TOPIC|BROKER|GROUP> <name> ...
  alter_configs <restype> <name> <key=value,key2=value2> ...
  incremental_alter_configs <restype> <name> <key=SET:value;key2=DELETE;key3=APPEND:v> ...
  create_acls <restype> <name> <pattern> <principal> <host> <operation> <permission> ...
  describe_acls <restype> <name|None> <pattern> <principal|None> <host|None> <operation> <permission>
  delete_acls <restype> <name|None> <pattern> <principal|None> <host|None> <operation> <permission> ...
  list_groups [<group>]
  list_consumer_groups [<state> ...]
  describe_consumer_groups <group> ...
  delete_consumer_groups <group> ...
  list_consumer_group_offsets <group> [<topic> <partition>] ...
  alter_consumer_group_offsets <group> <topic> <partition> <offset> ...
  list_offsets <read_uncommitted|read_committed> <topic> <partition> <earliest|latest|max_timestamp|<timestamp-ms>> ...
  delete_records <topic> <partition> <offset|-1 for all> ...
  describe_user_scram_credentials [<user> ...]
  alter_user_scram_credentials UPSERT <user> <mechanism> <iterations> <password> | DELETE <user> <mechanism> ...
  elect_leaders <PREFERRED|UNCLEAN> [<topic> <partition>] ...";

/// Counts per-item failures; the process exits 1 if any.
struct Report {
    failed: usize,
}

impl Report {
    fn ok(&self, line: impl std::fmt::Display) {
        println!("{line}");
    }

    fn fail(&mut self, line: impl std::fmt::Display) {
        self.failed += 1;
        println!("{line}");
    }
}

fn main() {
    let args = common::parse_args(USAGE, &[], &[]);
    let mut rest = args.positional.into_iter();
    let (Some(bootstrap), Some(op)) = (rest.next(), rest.next()) else {
        common::die(USAGE, "need <bootstrap-servers> <operation>")
    };
    let rest: Vec<String> = rest.collect();
    let mut config = args.config;
    config.set("bootstrap.servers", bootstrap);
    let admin = AdminClient::builder(config)
        .error_cb(|e| eprintln!("% Error: {e}"))
        .build()
        .unwrap_or_else(|e| common::die(USAGE, &e.to_string()));
    let opts = AdminOptions::new().request_timeout(Duration::from_secs(30));
    let mut report = Report { failed: 0 };
    if let Err(e) = run(&admin, &op, &rest, &opts, &mut report) {
        if e.code() == rkafka::ErrorCode::InvalidArg {
            common::die(USAGE, &e.to_string());
        }
        println!("{op} failed: {e}");
        std::process::exit(1);
    }
    if report.failed > 0 {
        std::process::exit(1);
    }
}

/// Parses `s` or fails with a usage error naming `what`.
fn parse<T: std::str::FromStr>(what: &str, s: &str) -> Result<T, KafkaError> {
    s.parse()
        .map_err(|_| KafkaError::new(rkafka::ErrorCode::InvalidArg, format!("bad {what} {s:?}")))
}

/// Splits `args` into groups of `n`, or fails if they do not divide evenly.
fn chunks<'a>(args: &'a [String], n: usize, shape: &str) -> Result<Vec<&'a [String]>, KafkaError> {
    if args.is_empty() || !args.len().is_multiple_of(n) {
        return Err(KafkaError::new(
            rkafka::ErrorCode::InvalidArg,
            format!("expected one or more groups of {shape}"),
        ));
    }
    Ok(args.chunks(n).collect())
}

fn nullable(s: &str) -> Option<&str> {
    (s != "None").then_some(s)
}

fn acl_filter(a: &[String]) -> Result<AclBindingFilter, KafkaError> {
    Ok(AclBindingFilter::new(
        parse("resource type", &a[0])?,
        nullable(&a[1]),
        parse("pattern type", &a[2])?,
        nullable(&a[3]),
        nullable(&a[4]),
        parse("operation", &a[5])?,
        parse("permission", &a[6])?,
    ))
}

fn show_entry(e: &ConfigEntry) -> String {
    let value = if e.hides_value() {
        "[redacted]".to_string()
    } else {
        e.value.clone().unwrap_or_else(|| "None".into())
    };
    format!(
        "  {} = {}  [{},read-only={},default={},sensitive={},synonym={},synonyms={:?}]",
        e.name,
        value,
        e.source,
        e.is_read_only,
        e.is_default,
        e.is_sensitive,
        e.is_synonym,
        e.synonyms
            .iter()
            .map(|s| format!("{}:{}", s.name, s.source))
            .collect::<Vec<_>>()
    )
}

fn run(
    admin: &AdminClient,
    op: &str,
    args: &[String],
    opts: &AdminOptions,
    r: &mut Report,
) -> Result<(), KafkaError> {
    match op {
        "create_topics" => {
            let topics = args
                .iter()
                .map(|a| {
                    let mut it = a.split(':');
                    let name = it.next().unwrap_or_default();
                    let partitions = it.next().map_or(Ok(3), |p| parse("partitions", p))?;
                    let replication = it.next().map_or(Ok(1), |p| parse("replication", p))?;
                    Ok(NewTopic::new(name, partitions, replication))
                })
                .collect::<Result<Vec<_>, KafkaError>>()?;
            for (t, res) in admin.create_topics(&topics, opts)? {
                match res {
                    Ok(()) => r.ok(format!("Topic {t} created")),
                    Err(e) => r.fail(format!("Failed to create topic {t}: {e}")),
                }
            }
        }
        "delete_topics" => {
            for (t, res) in admin.delete_topics(
                args,
                &opts.clone().operation_timeout(Duration::from_secs(30)),
            )? {
                match res {
                    Ok(()) => r.ok(format!("Topic {t} deleted")),
                    Err(e) => r.fail(format!("Failed to delete topic {t}: {e}")),
                }
            }
        }
        "create_partitions" => {
            let parts = chunks(args, 2, "<topic> <new_total_count>")?
                .into_iter()
                .map(|c| Ok(NewPartitions::new(&c[0], parse("new_total_count", &c[1])?)))
                .collect::<Result<Vec<_>, KafkaError>>()?;
            for (t, res) in admin.create_partitions(&parts, opts)? {
                match res {
                    Ok(()) => r.ok(format!("Additional partitions created for topic {t}")),
                    Err(e) => r.fail(format!("Failed to add partitions to topic {t}: {e}")),
                }
            }
        }
        "describe_topics" => {
            for (t, res) in admin.describe_topics(args, opts)? {
                match res {
                    Ok(d) => {
                        let id = d.topic_id.as_ref().map_or("None".into(), |u| u.to_string());
                        r.ok(format!(
                            "Topic {t} id={id} internal={} partitions={}",
                            d.is_internal,
                            d.partitions.len()
                        ));
                        for p in &d.partitions {
                            r.ok(format!(
                                "  partition {} leader={} replicas={:?} isr={:?}",
                                p.id,
                                p.leader.as_ref().map_or(-1, |n| n.id),
                                p.replicas.iter().map(|n| n.id).collect::<Vec<_>>(),
                                p.isr.iter().map(|n| n.id).collect::<Vec<_>>()
                            ));
                        }
                    }
                    Err(e) => r.fail(format!("Failed to describe topic {t}: {e}")),
                }
            }
        }
        "describe_cluster" => {
            let c = admin.describe_cluster(opts)?;
            r.ok(format!(
                "Cluster {} controller={}",
                c.cluster_id.as_deref().unwrap_or("None"),
                c.controller.as_ref().map_or(-1, |n| n.id)
            ));
            for n in &c.nodes {
                r.ok(format!("  node {} at {}:{}", n.id, n.host, n.port));
            }
        }
        "list_topics" => {
            let md =
                admin.list_topics(args.first().map(String::as_str), Duration::from_secs(10))?;
            for (name, t) in &md.topics {
                match &t.error {
                    None => r.ok(format!(
                        "Topic {name} with {} partition(s)",
                        t.partitions.len()
                    )),
                    Some(e) => r.fail(format!("Topic {name}: {e}")),
                }
            }
        }
        "describe_configs" => {
            let resources = chunks(args, 2, "<restype> <name>")?
                .into_iter()
                .map(|c| Ok(ConfigResource::new(parse("resource type", &c[0])?, &c[1])))
                .collect::<Result<Vec<_>, KafkaError>>()?;
            for ((t, name), res) in admin.describe_configs(&resources, opts)? {
                match res {
                    Ok(entries) => {
                        r.ok(format!(
                            "ConfigResource({t},{name}): {} entries",
                            entries.len()
                        ));
                        for e in entries.values() {
                            r.ok(show_entry(e));
                        }
                    }
                    Err(e) => r.fail(format!(
                        "Failed to describe ConfigResource({t},{name}): {e}"
                    )),
                }
            }
        }
        "alter_configs" | "incremental_alter_configs" => {
            let resources = chunks(args, 3, "<restype> <name> <configs>")?
                .into_iter()
                .map(|c| {
                    let mut res = ConfigResource::new(parse("resource type", &c[0])?, &c[1]);
                    if op == "alter_configs" {
                        for kv in c[2].split(',') {
                            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                            res = res.set_config(k, v);
                        }
                    } else {
                        for kv in c[2].split(';') {
                            let (k, ov) = kv.split_once('=').unwrap_or((kv, "SET"));
                            let (o, v) =
                                ov.split_once(':').map_or((ov, None), |(o, v)| (o, Some(v)));
                            let o: AlterConfigOpType = parse("operation", o)?;
                            res = res.incremental_config(k, o, v);
                        }
                    }
                    Ok(res)
                })
                .collect::<Result<Vec<_>, KafkaError>>()?;
            let results = if op == "alter_configs" {
                admin.alter_configs(&resources, opts)?
            } else {
                admin.incremental_alter_configs(&resources, opts)?
            };
            for ((t, name), res) in results {
                match res {
                    Ok(()) => r.ok(format!(
                        "ConfigResource({t},{name}) configuration successfully altered"
                    )),
                    Err(e) => r.fail(format!("Failed to alter ConfigResource({t},{name}): {e}")),
                }
            }
        }
        "create_acls" => {
            let acls = chunks(
                args,
                7,
                "<restype> <name> <pattern> <principal> <host> <operation> <permission>",
            )?
            .into_iter()
            .map(|a| {
                Ok(AclBinding::new(
                    parse("resource type", &a[0])?,
                    &a[1],
                    parse("pattern type", &a[2])?,
                    &a[3],
                    &a[4],
                    parse("operation", &a[5])?,
                    parse("permission", &a[6])?,
                ))
            })
            .collect::<Result<Vec<_>, KafkaError>>()?;
            for (acl, res) in admin.create_acls(&acls, opts)? {
                match res {
                    Ok(()) => r.ok(format!("Created {acl}")),
                    Err(e) => r.fail(format!("Failed to create ACL {acl}: {e}")),
                }
            }
        }
        "describe_acls" => {
            let filter = acl_filter(chunks(args, 7, "a 7-field ACL binding filter")?[0])?;
            r.ok(format!("Acls matching filter: {filter}"));
            for acl in admin.describe_acls(&filter, opts)? {
                r.ok(format!("  {acl}"));
            }
        }
        "delete_acls" => {
            let filters = chunks(args, 7, "7-field ACL binding filters")?
                .into_iter()
                .map(acl_filter)
                .collect::<Result<Vec<_>, KafkaError>>()?;
            for (filter, res) in admin.delete_acls(&filters, opts)? {
                match res {
                    Ok(acls) => {
                        r.ok(format!("Deleted acls matching filter: {filter}"));
                        for acl in acls {
                            r.ok(format!("  {acl}"));
                        }
                    }
                    Err(e) => r.fail(format!("Failed to delete {filter}: {e}")),
                }
            }
        }
        "list_groups" => {
            for g in admin.list_groups(args.first().map(String::as_str), Duration::from_secs(10))? {
                let line = format!(
                    "Group {} state={} protocol_type={} protocol={} members={} coordinator={}",
                    g.id,
                    g.state,
                    g.protocol_type,
                    g.protocol,
                    g.members.len(),
                    g.broker.id
                );
                match &g.error {
                    None => r.ok(line),
                    Some(e) => r.fail(format!("{line}: {e}")),
                }
            }
        }
        "list_consumer_groups" => {
            let states = args
                .iter()
                .map(|s| parse::<ConsumerGroupState>("state", s))
                .collect::<Result<Vec<_>, KafkaError>>()?;
            let res = admin.list_consumer_groups(&opts.clone().states(states))?;
            for g in &res.valid {
                r.ok(format!(
                    "Group {} simple={} state={} type={}",
                    g.group_id, g.is_simple_consumer_group, g.state, g.group_type
                ));
            }
            for e in &res.errors {
                r.fail(format!("Error: {e}"));
            }
        }
        "describe_consumer_groups" => {
            for (g, res) in admin.describe_consumer_groups(args, opts)? {
                match res {
                    Ok(d) => {
                        r.ok(format!(
                            "Group {g} simple={} state={} type={} assignor={:?} coordinator={} members={}",
                            d.is_simple_consumer_group,
                            d.state,
                            d.group_type,
                            d.partition_assignor,
                            d.coordinator.as_ref().map_or(-1, |n| n.id),
                            d.members.len()
                        ));
                        for m in &d.members {
                            r.ok(format!(
                                "  member {} client_id={} host={} assignment={:?}",
                                m.member_id,
                                m.client_id,
                                m.host,
                                m.assignment
                                    .iter()
                                    .map(|tp| format!("{}[{}]", tp.topic, tp.partition))
                                    .collect::<Vec<_>>()
                            ));
                        }
                    }
                    Err(e) => r.fail(format!("Failed to describe group {g}: {e}")),
                }
            }
        }
        "delete_consumer_groups" => {
            for (g, res) in admin.delete_consumer_groups(args, opts)? {
                match res {
                    Ok(()) => r.ok(format!("Deleted group {g}")),
                    Err(e) => r.fail(format!("Failed to delete group {g}: {e}")),
                }
            }
        }
        "list_consumer_group_offsets" | "alter_consumer_group_offsets" => {
            let Some((group, parts)) = args.split_first() else {
                return Err(KafkaError::new(
                    rkafka::ErrorCode::InvalidArg,
                    "need <group>",
                ));
            };
            let altering = op == "alter_consumer_group_offsets";
            let width = if altering { 3 } else { 2 };
            let partitions = if parts.is_empty() && !altering {
                Vec::new()
            } else {
                chunks(parts, width, "<topic> <partition> [<offset>]")?
                    .into_iter()
                    .map(|c| {
                        let p = parse("partition", &c[1])?;
                        Ok(if altering {
                            TopicPartition::with_offset(&c[0], p, parse::<i64>("offset", &c[2])?)
                        } else {
                            TopicPartition::new(&c[0], p)
                        })
                    })
                    .collect::<Result<Vec<_>, KafkaError>>()?
            };
            let req = [ConsumerGroupTopicPartitions::new(group, partitions)];
            let results = if altering {
                admin.alter_consumer_group_offsets(&req, opts)?
            } else {
                admin.list_consumer_group_offsets(&req, opts)?
            };
            for (g, res) in results {
                match res {
                    Ok(gtp) => {
                        for tp in gtp.topic_partitions {
                            let line = format!(
                                "{g} {} [{}] offset {}",
                                tp.topic,
                                tp.partition,
                                tp.offset.raw()
                            );
                            match tp.error {
                                None => r.ok(line),
                                Some(e) => r.fail(format!("{line}: {e}")),
                            }
                        }
                    }
                    Err(e) => r.fail(format!("Failed for group {g}: {e}")),
                }
            }
        }
        "list_offsets" => {
            let Some((level, parts)) = args.split_first() else {
                return Err(KafkaError::new(
                    rkafka::ErrorCode::InvalidArg,
                    "need <isolation_level>",
                ));
            };
            let level: IsolationLevel = parse("isolation level", level)?;
            let requests = chunks(parts, 3, "<topic> <partition> <spec>")?
                .into_iter()
                .map(|c| {
                    let spec = match c[2].to_ascii_lowercase().as_str() {
                        "earliest" => OffsetSpec::Earliest,
                        "latest" => OffsetSpec::Latest,
                        "max_timestamp" => OffsetSpec::MaxTimestamp,
                        ts => OffsetSpec::Timestamp(parse("timestamp", ts)?),
                    };
                    Ok((TopicPartition::new(&c[0], parse("partition", &c[1])?), spec))
                })
                .collect::<Result<Vec<_>, KafkaError>>()?;
            for (tp, res) in admin.list_offsets(&requests, &opts.clone().isolation_level(level))? {
                match res {
                    Ok(i) => r.ok(format!(
                        "Topic {} partition {} offset {} timestamp {}",
                        tp.topic, tp.partition, i.offset, i.timestamp
                    )),
                    Err(e) => r.fail(format!(
                        "Topic {} partition {} error: {e}",
                        tp.topic, tp.partition
                    )),
                }
            }
        }
        "delete_records" => {
            let parts = chunks(args, 3, "<topic> <partition> <offset>")?
                .into_iter()
                .map(|c| {
                    let o: i64 = parse("offset", &c[2])?;
                    let o = if o == -1 { Offset::End } else { Offset::At(o) };
                    Ok(TopicPartition::with_offset(
                        &c[0],
                        parse("partition", &c[1])?,
                        o,
                    ))
                })
                .collect::<Result<Vec<_>, KafkaError>>()?;
            for (tp, res) in admin.delete_records(&parts, opts)? {
                match res {
                    Ok(d) => r.ok(format!(
                        "Deleted records in {} [{}]: low watermark {}",
                        tp.topic, tp.partition, d.low_watermark
                    )),
                    Err(e) => r.fail(format!(
                        "Failed to delete records in {} [{}]: {e}",
                        tp.topic, tp.partition
                    )),
                }
            }
        }
        "describe_user_scram_credentials" => {
            let users = (!args.is_empty()).then_some(args);
            for (u, res) in admin.describe_user_scram_credentials(users, opts)? {
                match res {
                    Ok(d) => r.ok(format!(
                        "User {u}: {:?}",
                        d.scram_credential_infos
                            .iter()
                            .map(|i| format!("{}:{}", i.mechanism, i.iterations))
                            .collect::<Vec<_>>()
                    )),
                    Err(e) => r.fail(format!("Failed to describe user {u}: {e}")),
                }
            }
        }
        "alter_user_scram_credentials" => {
            let mut alterations = Vec::new();
            let mut it = args.iter();
            while let Some(kind) = it.next() {
                let mut take = |what: &str| {
                    it.next().cloned().ok_or_else(|| {
                        KafkaError::new(
                            rkafka::ErrorCode::InvalidArg,
                            format!("{kind}: missing <{what}>"),
                        )
                    })
                };
                match kind.as_str() {
                    "UPSERT" => {
                        let user = take("user")?;
                        let mech: ScramMechanism = parse("mechanism", &take("mechanism")?)?;
                        let iterations = parse("iterations", &take("iterations")?)?;
                        let password = take("password")?;
                        alterations.push(UserScramCredentialAlteration::upsertion(
                            user, mech, iterations, password,
                        ));
                    }
                    "DELETE" => {
                        let user = take("user")?;
                        let mech = parse("mechanism", &take("mechanism")?)?;
                        alterations.push(UserScramCredentialAlteration::deletion(user, mech));
                    }
                    other => {
                        return Err(KafkaError::new(
                            rkafka::ErrorCode::InvalidArg,
                            format!("expected UPSERT or DELETE, not {other:?}"),
                        ))
                    }
                }
            }
            for (u, res) in admin.alter_user_scram_credentials(&alterations, opts)? {
                match res {
                    Ok(()) => r.ok(format!("User {u}: credentials altered")),
                    Err(e) => r.fail(format!("Failed to alter user {u}: {e}")),
                }
            }
        }
        "elect_leaders" => {
            let Some((kind, parts)) = args.split_first() else {
                return Err(KafkaError::new(
                    rkafka::ErrorCode::InvalidArg,
                    "need <election_type>",
                ));
            };
            let kind: ElectionType = parse("election type", kind)?;
            let partitions = if parts.is_empty() {
                None
            } else {
                Some(
                    chunks(parts, 2, "<topic> <partition>")?
                        .into_iter()
                        .map(|c| Ok(TopicPartition::new(&c[0], parse("partition", &c[1])?)))
                        .collect::<Result<Vec<_>, KafkaError>>()?,
                )
            };
            for (tp, res) in admin.elect_leaders(kind, partitions.as_deref(), opts)? {
                match res {
                    Ok(()) => r.ok(format!(
                        "Leader elected for {} [{}]",
                        tp.topic, tp.partition
                    )),
                    Err(e) => r.fail(format!(
                        "Election failed for {} [{}]: {e}",
                        tp.topic, tp.partition
                    )),
                }
            }
        }
        other => {
            return Err(KafkaError::new(
                rkafka::ErrorCode::InvalidArg,
                format!("unknown operation {other:?}"),
            ))
        }
    }
    Ok(())
}
