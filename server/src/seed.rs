//! Creating a workspace on first start, with demo data that goes through the same `apply` and commit
//! path as every real change, so the demo timelines are ones the product could have produced.

use crate::auth::hash_password;
use crate::store::workspace::{NewUser, insert_workspace};
use crate::store::{CommitJob, Store};
use chrono::{DateTime, Duration, Utc};
use deskline_shared::sla::SlaConfig;
use deskline_shared::{
    Actor, Agent, Channel, FieldDef, FieldKind, FieldValue, Mutation, Preset, Priority, Requester,
    Role, StatusCategory, Tag, Team, Visibility, Workspace,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sqlx::Connection;
use std::sync::Arc;
use uuid::Uuid;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "deskline-demo";

/// The demo staff: (name, email, role, team indexes).
const STAFF: &[(&str, &str, Role, &[usize])] = &[
    ("Ada Admin", "admin@deskline.test", Role::Admin, &[0, 1, 2]),
    ("Lea Lindqvist", "lea@deskline.test", Role::Leader, &[0, 1]),
    ("Ana Souza", "ana@deskline.test", Role::Agent, &[0]),
    ("Bruno Costa", "bruno@deskline.test", Role::Agent, &[1]),
    ("Chen Wei", "chen@deskline.test", Role::Agent, &[1, 2]),
    ("Dara Okafor", "dara@deskline.test", Role::Agent, &[2]),
];

const TEAMS: &[&str] = &["Billing", "Technical Support", "Onboarding"];

const TAGS: &[(&str, &str)] = &[
    ("billing", "#0ea5e9"),
    ("refund", "#f97316"),
    ("invoice", "#14b8a6"),
    ("bug", "#ef4444"),
    ("login", "#8b5cf6"),
    ("outage", "#dc2626"),
    ("feature-request", "#22c55e"),
    ("mobile", "#6366f1"),
    ("api", "#0891b2"),
    ("onboarding", "#a855f7"),
    ("vip", "#eab308"),
    ("security", "#b91c1c"),
    ("feedback", "#64748b"),
    ("how-to", "#3b82f6"),
];

const FIRST: &[&str] = &[
    "Maria", "João", "Sofia", "Liam", "Noah", "Emma", "Yuki", "Aisha", "Mateo", "Olga", "Pedro",
    "Ines", "Tomas", "Priya", "Kwame", "Elena",
];
const LAST: &[&str] = &[
    "Silva", "Novak", "Hansen", "Okoro", "Tanaka", "Rossi", "Meyer", "Gomez", "Kowalski", "Haddad",
    "Nguyen", "Larsen",
];
const ORGS: &[&str] = &[
    "Acme Foods",
    "Northwind",
    "Blue Harbor Clinic",
    "Lumen Labs",
    "Casa Verde",
    "Orbit Freight",
];

/// (team index, title, description, tags)
const SUBJECTS: &[(usize, &str, &str, &[&str])] = &[
    (
        0,
        "Charged twice for the March invoice",
        "My card shows two charges of the same amount for invoice #{n}. Please refund one.",
        &["billing", "refund"],
    ),
    (
        0,
        "Need a copy of invoice #{n} with our VAT number",
        "Our accounting needs the VAT number on the invoice. Can you reissue it?",
        &["invoice"],
    ),
    (
        0,
        "Upgrade to the annual plan",
        "We would like to switch to annual billing from next month. What happens to the unused days?",
        &["billing"],
    ),
    (
        0,
        "Refund request for order {n}",
        "The order arrived damaged. Photos attached to the email. I would like a refund, not a replacement.",
        &["refund"],
    ),
    (
        0,
        "Payment failed but money left my account",
        "The checkout said the payment failed, yet the bank shows it as taken.",
        &["billing", "vip"],
    ),
    (
        1,
        "Cannot log in after password reset",
        "I reset my password and now the login page says my account is locked.",
        &["login"],
    ),
    (
        1,
        "App crashes when opening reports on Android",
        "Since the last update the app closes as soon as I open Reports. Android 14, Pixel 7.",
        &["bug", "mobile"],
    ),
    (
        1,
        "API returns 429 for a single request a minute",
        "Our integration gets rate-limited even though we send one request per minute.",
        &["api", "bug"],
    ),
    (
        1,
        "Dashboard is down for our whole team",
        "Nobody in our office can load the dashboard since 09:10. It spins forever.",
        &["outage"],
    ),
    (
        1,
        "Two-factor codes never arrive by SMS",
        "I tried five times today; no code arrives. Email codes work.",
        &["login", "security"],
    ),
    (
        1,
        "Export to CSV cuts off accented names",
        "Names like João and Inês come out garbled in the export.",
        &["bug"],
    ),
    (
        2,
        "How do I invite my colleagues?",
        "We just signed up. Where do I add the rest of the team?",
        &["onboarding", "how-to"],
    ),
    (
        2,
        "Importing contacts from our old helpdesk",
        "We have 12,000 contacts in a spreadsheet. What format do you need?",
        &["onboarding"],
    ),
    (
        2,
        "Please add dark mode",
        "Our night shift would love a dark theme.",
        &["feature-request", "feedback"],
    ),
    (
        2,
        "Set up SSO for our domain",
        "We want everyone to sign in through our identity provider.",
        &["onboarding", "security"],
    ),
];

const AGENT_REPLIES: &[&str] = &[
    "Thanks for reaching out! I'm looking into this now and will update you shortly.",
    "I've checked your account and found the cause. The fix is on its way; I'll confirm once it's done.",
    "Could you send a screenshot of what you see? That will help us pin this down.",
    "This is done on our side. Could you check and let us know if everything looks right?",
];
const NOTES: &[&str] = &[
    "Customer is on the enterprise plan; keep them posted every few hours.",
    "Same issue as last week's incident, probably the cache. @Bruno can you confirm?",
    "Checked the payment provider: the second charge is a pre-authorisation that drops off in 3 days.",
    "Escalated to engineering; waiting for a build with the fix.",
];
const CUSTOMER_REPLIES: &[&str] = &[
    "Thanks, here is the screenshot you asked for.",
    "It still happens this morning, unfortunately.",
    "That worked, thank you!",
];

/// Creates the workspace if the database has none: the preset's statuses, demo teams, staff, tags,
/// fields and `tickets` demo tickets. Returns whether it created anything.
pub async fn ensure_workspace(
    store: &Store,
    preset: Preset,
    tickets: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    if store.load_workspace().await?.is_some() {
        return Ok(false);
    }
    let mut rng = StdRng::seed_from_u64(7);
    let mut ws = demo_workspace(preset, &mut rng);
    ws.sla.resolve_zones()?;
    let mut users = Vec::new();
    for agent in &ws.agents {
        users.push(NewUser {
            agent,
            password_hash: hash_password(DEMO_PASSWORD)?,
        });
    }
    let contacts = demo_contacts(&mut rng);
    let mut conn = store.write.acquire().await?;
    let mut tx = conn.begin().await?;
    insert_workspace(&mut tx, &ws, &users, true).await?;
    for c in &contacts {
        sqlx::query(
            "INSERT INTO contacts (id, name, email, phone, organization) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(c.id.to_string())
        .bind(&c.name)
        .bind(&c.email)
        .bind(&c.phone)
        .bind(&c.organization)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    drop(conn);
    // The tickets go through the writer that commits every mutation, in chunks of a few thousand
    // mutations per transaction. A step a later rule refuses (say, a mandatory field) is skipped,
    // as an agent would be told.
    let ws = Arc::new(ws);
    let mut chunk = Vec::new();
    for i in 0..tickets {
        chunk.extend(demo_ticket(&ws, &contacts, (i, tickets), now, &mut rng));
        if chunk.len() >= SEED_CHUNK || i + 1 == tickets {
            store
                .writer
                .commit(CommitJob {
                    workspace: ws.clone(),
                    mutations: std::mem::take(&mut chunk),
                })
                .await?;
        }
    }
    Ok(true)
}

/// Mutations the seed commits per transaction.
const SEED_CHUNK: usize = 5_000;

/// The demo workspace's time zone: its business-hours calendar counts in Lisbon.
pub const DEMO_TIME_ZONE: &str = "Europe/Lisbon";

fn demo_workspace(preset: Preset, rng: &mut StdRng) -> Workspace {
    let teams: Vec<Team> = TEAMS
        .iter()
        .map(|name| Team {
            id: new_id(rng),
            name: (*name).to_owned(),
        })
        .collect();
    let agents = STAFF
        .iter()
        .map(|&(name, email, role, team_idx)| Agent {
            id: new_id(rng),
            name: name.to_owned(),
            email: email.to_owned(),
            role,
            teams: team_idx.iter().map(|&i| teams[i].id).collect(),
            active: true,
        })
        .collect();
    let tags = TAGS
        .iter()
        .map(|&(name, color)| Tag {
            id: new_id(rng),
            name: name.to_owned(),
            color: color.to_owned(),
        })
        .collect();
    let rules = preset.rules();
    Workspace {
        id: new_id(rng),
        name: "Acme Support".into(),
        preset,
        reference_scheme: preset.reference_scheme(),
        statuses: preset.statuses(),
        ticket_types: preset.ticket_types(),
        teams,
        agents,
        tags,
        sla: SlaConfig::preset_default(DEMO_TIME_ZONE),
        fields: vec![
            FieldDef {
                key: "service_type".into(),
                label: "Service type".into(),
                kind: FieldKind::Select {
                    options: vec!["Question".into(), "Problem".into(), "Request".into()],
                },
                required_to_solve: rules.mandatory_fields_before_solve,
            },
            FieldDef {
                key: "order_number".into(),
                label: "Order number".into(),
                kind: FieldKind::Text,
                required_to_solve: false,
            },
        ],
        agents_see_all_teams: false,
    }
}

fn demo_contacts(rng: &mut StdRng) -> Vec<Requester> {
    let mut contacts = Vec::new();
    for (i, first) in FIRST.iter().enumerate() {
        for last in LAST.iter().skip(i % 3).step_by(3) {
            let email = format!("{}.{}@example.com", ascii_lower(first), ascii_lower(last));
            contacts.push(Requester {
                id: new_id(rng),
                name: format!("{first} {last}"),
                email: Some(email),
                phone: rng.gen_bool(0.6).then(|| {
                    format!(
                        "+1 555 {:03} {:04}",
                        rng.gen_range(100..999),
                        rng.gen_range(0..9999)
                    )
                }),
                organization: rng
                    .gen_bool(0.7)
                    .then(|| ORGS[rng.gen_range(0..ORGS.len())].to_owned()),
            });
        }
    }
    contacts
}

fn ascii_lower(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ã' | 'á' => 'a',
            'ç' => 'c',
            'é' | 'ê' => 'e',
            'í' => 'i',
            'ó' | 'õ' => 'o',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// A v4-shaped id from the seeded generator, so the demo is the same on every machine.
fn new_id(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.r#gen()).into_uuid()
}

/// The mutations (with actor and time) that tell ticket `i`'s story up to its final status.
fn demo_ticket(
    ws: &Workspace,
    contacts: &[Requester],
    (i, total): (usize, usize),
    now: DateTime<Utc>,
    rng: &mut StdRng,
) -> Vec<(Actor, Mutation, DateTime<Utc>)> {
    let &(team_idx, title, description, tag_names) = &SUBJECTS[rng.gen_range(0..SUBJECTS.len())];
    let n = rng.gen_range(1000..9999).to_string();
    let requester = contacts[rng.gen_range(0..contacts.len())].clone();
    let customer = Actor {
        id: requester.id,
        name: requester.name.clone(),
        role: Role::Customer,
    };
    let team = (rng.gen_ratio(9, 10)).then(|| ws.teams[team_idx].id);
    // Older tickets first, so the newest sit at the top; timelines stay in the past.
    let fraction = 1.0 - i as f64 / total.max(1) as f64;
    let age_minutes = (tickets_span_minutes() * fraction) as i64 + rng.gen_range(5..240);
    let mut at = now - Duration::minutes(age_minutes);
    let ticket_id = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        at.timestamp() as u64,
        at.timestamp_subsec_nanos(),
    ));
    let priority = *[
        Priority::Urgent,
        Priority::High,
        Priority::High,
        Priority::Medium,
        Priority::Medium,
        Priority::Medium,
        Priority::Low,
    ]
    .choose(rng)
    .unwrap_or(&Priority::Medium);
    let channel = *[
        Channel::Email,
        Channel::Email,
        Channel::Portal,
        Channel::Portal,
        Channel::Phone,
        Channel::Chat,
        Channel::Widget,
        Channel::Api,
    ]
    .choose(rng)
    .unwrap_or(&Channel::Email);
    let ticket_type = ws.ticket_types[rng.gen_range(0..ws.ticket_types.len())].clone();
    let mut steps = vec![(
        customer.clone(),
        Mutation::Create {
            ticket_id,
            title: title.replace("{n}", &n),
            description: description.replace("{n}", &n),
            ticket_type,
            channel,
            priority,
            team,
            requester: Some(requester),
        },
        at,
    )];
    let mut later = |rng: &mut StdRng, max: i64| {
        let step = Duration::minutes(rng.gen_range(3..max.max(4)));
        at = (at + step).min(now - Duration::minutes(1));
        at
    };

    let target = &ws.statuses[i % ws.statuses.len()];
    let staff: Vec<&Agent> = ws
        .agents
        .iter()
        .filter(|a| team.is_none_or(|t| a.teams.contains(&t)) && a.role == Role::Agent)
        .collect();
    let agent = staff.choose(rng).map(|a| Actor {
        id: a.id,
        name: a.name.clone(),
        role: a.role,
    });
    for name in tag_names.iter().take(rng.gen_range(0..=tag_names.len())) {
        if let Some(tag) = ws.tags.iter().find(|t| t.name == *name)
            && let Some(a) = &agent
        {
            steps.push((
                a.clone(),
                Mutation::AddTag {
                    ticket_id,
                    tag: tag.id,
                },
                later(rng, 30),
            ));
        }
    }
    let (Some(agent), true) = (agent, target.category != StatusCategory::New) else {
        return steps;
    };
    steps.push((
        agent.clone(),
        Mutation::Start { ticket_id },
        later(rng, 180),
    ));
    if rng.gen_bool(0.4) {
        let note = NOTES[rng.gen_range(0..NOTES.len())];
        steps.push((
            agent.clone(),
            reply(ticket_id, Visibility::Internal, note, rng),
            later(rng, 60),
        ));
    }
    let reply_text = AGENT_REPLIES[rng.gen_range(0..AGENT_REPLIES.len())];
    steps.push((
        agent.clone(),
        reply(ticket_id, Visibility::Public, reply_text, rng),
        later(rng, 120),
    ));
    if rng.gen_bool(0.5) {
        let text = CUSTOMER_REPLIES[rng.gen_range(0..CUSTOMER_REPLIES.len())];
        steps.push((
            customer,
            reply(ticket_id, Visibility::Public, text, rng),
            later(rng, 240),
        ));
        let follow_up = AGENT_REPLIES[rng.gen_range(0..AGENT_REPLIES.len())];
        steps.push((
            agent.clone(),
            reply(ticket_id, Visibility::Public, follow_up, rng),
            later(rng, 90),
        ));
    }
    if rng.gen_bool(0.2) {
        let priority = Priority::ALL[rng.gen_range(0..Priority::ALL.len())];
        steps.push((
            agent.clone(),
            Mutation::SetPriority {
                ticket_id,
                priority,
            },
            later(rng, 30),
        ));
    }
    if target.category.is_completed() {
        let value =
            FieldValue::Text(["Question", "Problem", "Request"][rng.gen_range(0..3)].into());
        steps.push((
            agent.clone(),
            Mutation::SetField {
                ticket_id,
                field: "service_type".into(),
                value: Some(value),
            },
            later(rng, 10),
        ));
    }
    steps.push((
        agent,
        Mutation::SetStatus {
            ticket_id,
            status: target.id.clone(),
        },
        later(rng, 600),
    ));
    steps
}

fn reply(ticket_id: Uuid, visibility: Visibility, body: &str, rng: &mut StdRng) -> Mutation {
    Mutation::Reply {
        ticket_id,
        message_id: new_id(rng),
        visibility,
        body: body.to_owned(),
    }
}

/// Demo tickets spread over the last 21 days.
fn tickets_span_minutes() -> f64 {
    21.0 * 24.0 * 60.0
}
