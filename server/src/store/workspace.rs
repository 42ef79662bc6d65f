//! Reading and creating the workspace configuration.

use super::{Store, millis, uuid};
use anyhow::Context as _;
use chrono::Utc;
use deskline_shared::sla::SlaConfig;
use deskline_shared::{
    Agent, FieldDef, FieldKind, Preset, ReferenceScheme, Status, StatusCategory, StatusId, Tag,
    Team, Workspace,
};
use sqlx::{Row, SqliteConnection};

/// Serde's name for a value of a unit enum, e.g. `on_hold`.
pub(crate) fn enum_name<T: serde::Serialize>(value: &T) -> anyhow::Result<String> {
    match serde_json::to_value(value)? {
        serde_json::Value::String(s) => Ok(s),
        other => anyhow::bail!("{other} is not a unit enum value"),
    }
}

/// The value of a unit enum from its serde name.
pub(crate) fn enum_value<T: serde::de::DeserializeOwned>(name: &str) -> anyhow::Result<T> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .with_context(|| format!("unknown stored value {name:?}"))
}

impl Store {
    /// The workspace, or `None` before the first start has created it.
    pub async fn load_workspace(&self) -> anyhow::Result<Option<Workspace>> {
        let mut conn = self.read.acquire().await?;
        load_workspace(&mut conn).await
    }

    /// Whether the workspace holds the demo data (so the demo logins can be printed).
    pub async fn is_demo(&self) -> anyhow::Result<bool> {
        let demo: Option<i64> = sqlx::query_scalar("SELECT demo FROM workspace")
            .fetch_optional(&self.read)
            .await?;
        Ok(demo == Some(1))
    }
}

/// Loads the workspace on `conn`.
pub(crate) async fn load_workspace(
    conn: &mut SqliteConnection,
) -> anyhow::Result<Option<Workspace>> {
    let Some(row) = sqlx::query("SELECT id, name, preset, reference_scheme, ticket_types, agents_see_all_teams FROM workspace")
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let preset: Preset = row
        .get::<String, _>("preset")
        .parse()
        .map_err(anyhow::Error::msg)?;
    let reference_scheme: ReferenceScheme = enum_value(&row.get::<String, _>("reference_scheme"))?;
    let ticket_types: Vec<String> = serde_json::from_str(&row.get::<String, _>("ticket_types"))?;

    let mut statuses = Vec::new();
    for s in
        sqlx::query("SELECT id, label, color, category, position FROM statuses ORDER BY position")
            .fetch_all(&mut *conn)
            .await?
    {
        statuses.push(Status {
            id: StatusId::new(s.get::<String, _>("id")),
            label: s.get("label"),
            color: s.get("color"),
            category: enum_value::<StatusCategory>(&s.get::<String, _>("category"))?,
            position: u32::try_from(s.get::<i64, _>("position")).unwrap_or(u32::MAX),
        });
    }
    let mut teams = Vec::new();
    for t in sqlx::query("SELECT id, name FROM teams ORDER BY name")
        .fetch_all(&mut *conn)
        .await?
    {
        teams.push(Team {
            id: uuid(&t.get::<String, _>("id"))?,
            name: t.get("name"),
        });
    }
    let members: Vec<(String, String)> =
        sqlx::query_as("SELECT user_id, team_id FROM team_members")
            .fetch_all(&mut *conn)
            .await?;
    let mut agents = Vec::new();
    for a in sqlx::query("SELECT id, name, email, role, active FROM users WHERE role <> 'customer' ORDER BY position, name")
        .fetch_all(&mut *conn)
        .await?
    {
        let id: String = a.get("id");
        let teams = members.iter().filter(|(u, _)| *u == id).map(|(_, t)| uuid(t)).collect::<anyhow::Result<Vec<_>>>()?;
        agents.push(Agent {
            id: uuid(&id)?,
            name: a.get("name"),
            email: a.get("email"),
            role: enum_value(&a.get::<String, _>("role"))?,
            teams,
            active: a.get::<i64, _>("active") == 1,
        });
    }
    let mut tags = Vec::new();
    for t in sqlx::query("SELECT id, name, color FROM tags ORDER BY name")
        .fetch_all(&mut *conn)
        .await?
    {
        tags.push(Tag {
            id: uuid(&t.get::<String, _>("id"))?,
            name: t.get("name"),
            color: t.get("color"),
        });
    }
    let mut fields = Vec::new();
    for f in sqlx::query(
        "SELECT key, label, definition, required_to_solve FROM fields ORDER BY position",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        fields.push(FieldDef {
            key: f.get("key"),
            label: f.get("label"),
            kind: serde_json::from_str::<FieldKind>(&f.get::<String, _>("definition"))?,
            required_to_solve: f.get::<i64, _>("required_to_solve") == 1,
        });
    }
    Ok(Some(Workspace {
        id: uuid(&row.get::<String, _>("id"))?,
        name: row.get("name"),
        preset,
        reference_scheme,
        statuses,
        ticket_types,
        teams,
        agents,
        tags,
        fields,
        agents_see_all_teams: row.get::<i64, _>("agents_see_all_teams") == 1,
        sla: load_sla(conn).await?,
    }))
}

/// The SLA configuration; none stored means no service levels.
async fn load_sla(conn: &mut SqliteConnection) -> anyhow::Result<SlaConfig> {
    let data: Option<String> = sqlx::query_scalar("SELECT data FROM sla_config WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match data {
        Some(data) => serde_json::from_str(&data).context("stored SLA configuration")?,
        None => SlaConfig::default(),
    })
}

/// Replaces the SLA configuration (already validated, zones filled) on `conn`.
pub(crate) async fn save_sla(conn: &mut SqliteConnection, sla: &SlaConfig) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sla_config (id, data, updated_at) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET data = ?1, updated_at = ?2",
    )
    .bind(serde_json::to_string(sla)?)
    .bind(millis(Utc::now()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A staff account to create with the workspace.
pub struct NewUser<'a> {
    /// The agent record (id, name, email, role, teams).
    pub agent: &'a Agent,
    /// Argon2 PHC string.
    pub password_hash: String,
}

/// Writes a whole workspace configuration on `conn` (inside the caller's transaction).
pub(crate) async fn insert_workspace(
    conn: &mut SqliteConnection,
    ws: &Workspace,
    users: &[NewUser<'_>],
    demo: bool,
) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO workspace (id, name, preset, reference_scheme, ticket_types, agents_see_all_teams, demo, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(ws.id.to_string())
        .bind(&ws.name)
        .bind(ws.preset.name())
        .bind(enum_name(&ws.reference_scheme)?)
        .bind(serde_json::to_string(&ws.ticket_types)?)
        .bind(ws.agents_see_all_teams)
        .bind(demo)
        .bind(millis(Utc::now()))
        .execute(&mut *conn)
        .await?;
    for s in &ws.statuses {
        sqlx::query(
            "INSERT INTO statuses (id, label, color, category, position) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(s.id.as_str())
        .bind(&s.label)
        .bind(&s.color)
        .bind(enum_name(&s.category)?)
        .bind(i64::from(s.position))
        .execute(&mut *conn)
        .await?;
    }
    for t in &ws.teams {
        sqlx::query("INSERT INTO teams (id, name) VALUES (?, ?)")
            .bind(t.id.to_string())
            .bind(&t.name)
            .execute(&mut *conn)
            .await?;
    }
    for (position, u) in (0i64..).zip(users) {
        let a = u.agent;
        sqlx::query("INSERT INTO users (id, email, name, role, password_hash, active, position) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(a.id.to_string())
            .bind(&a.email)
            .bind(&a.name)
            .bind(enum_name(&a.role)?)
            .bind(&u.password_hash)
            .bind(a.active)
            .bind(position)
            .execute(&mut *conn)
            .await?;
        for team in &a.teams {
            sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES (?, ?)")
                .bind(team.to_string())
                .bind(a.id.to_string())
                .execute(&mut *conn)
                .await?;
        }
    }
    for t in &ws.tags {
        sqlx::query("INSERT INTO tags (id, name, color) VALUES (?, ?, ?)")
            .bind(t.id.to_string())
            .bind(&t.name)
            .bind(&t.color)
            .execute(&mut *conn)
            .await?;
    }
    save_sla(&mut *conn, &ws.sla).await?;
    for (position, f) in (0i64..).zip(&ws.fields) {
        sqlx::query("INSERT INTO fields (key, label, definition, required_to_solve, position) VALUES (?, ?, ?, ?, ?)")
            .bind(&f.key)
            .bind(&f.label)
            .bind(serde_json::to_string(&f.kind)?)
            .bind(f.required_to_solve)
            .bind(position)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
