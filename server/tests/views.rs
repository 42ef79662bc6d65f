//! Saved views (each agent's own, validated, never visible to anyone else) and the global lookup
//! of a ticket by its reference (which tells staff that a hidden ticket exists and nothing more,
//! and tells customers nothing about tickets that are not theirs).

mod common;

use common::{TestServer, expect_error};
use deskline_server::store::MAX_VIEWS;
use deskline_shared::api::{ReferenceLookup, SavedView};
use deskline_shared::queue::{Sort, can_see};
use deskline_shared::{Actor, Preset, Ticket};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use uuid::Uuid;

async fn views(server: &TestServer, client: &Client) -> Vec<SavedView> {
    let res = server.get(client, "/api/views").await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn create(server: &TestServer, client: &Client, name: &str, query: &str) -> SavedView {
    let res = server
        .post(
            client,
            "/api/views",
            &json!({"name": name, "query": query, "sort": "updated"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED, "creating {name:?}");
    res.json().await.unwrap()
}

async fn delete(server: &TestServer, client: &Client, id: Uuid) -> reqwest::Response {
    client
        .delete(server.url(&format!("/api/views/{id}")))
        .send()
        .await
        .unwrap()
}

fn names(views: &[SavedView]) -> Vec<&str> {
    views.iter().map(|v| v.name.as_str()).collect()
}

fn actor(server: &TestServer, email: &str) -> Actor {
    let ws = server.state.workspace();
    let agent = ws.agents.iter().find(|a| a.email == email).unwrap();
    Actor {
        id: agent.id,
        name: agent.name.clone(),
        role: agent.role,
    }
}

async fn lookup(server: &TestServer, client: &Client, reference: &str) -> reqwest::Response {
    client
        .get(server.url("/api/tickets/lookup"))
        .query(&[("reference", reference)])
        .send()
        .await
        .unwrap()
}

fn reference(ticket: &Ticket) -> &str {
    ticket.reference.as_deref().unwrap()
}

#[tokio::test]
async fn an_agent_saves_renames_reorders_and_deletes_views() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    assert!(views(&server, &ana).await.is_empty());

    // One view per sort: each travels under the name the app stores.
    let mut made = Vec::new();
    for sort in Sort::ALL {
        let res = server
            .post(
                &ana,
                "/api/views",
                &json!({"name": format!("  By {}  ", sort.label()), "query": " priority:urgent ", "sort": sort.name()}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let raw: Value = res.json().await.unwrap();
        assert_eq!(raw["sort"], sort.name());
        let view: SavedView = serde_json::from_value(raw).unwrap();
        assert_eq!(
            view.name,
            format!("By {}", sort.label()),
            "the name is trimmed"
        );
        assert_eq!(view.query, "priority:urgent", "the query is trimmed");
        assert_eq!(view.sort, sort);
        made.push(view);
    }
    let listed = views(&server, &ana).await;
    assert_eq!(listed, made, "listed in the order they were saved");
    assert_eq!(
        listed.iter().map(|v| v.position).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );

    // Replace one: name (same name in another case is fine), query and sort; its place stays.
    let target = &made[1];
    let res = server
        .put(
            &ana,
            &format!("/api/views/{}", target.id),
            &json!({"name": "BY OLDEST", "query": "status:open assignee:me \"refund\"", "sort": "priority"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let updated: SavedView = res.json().await.unwrap();
    assert_eq!(
        updated,
        SavedView {
            id: target.id,
            name: "BY OLDEST".into(),
            query: "status:open assignee:me \"refund\"".into(),
            sort: Sort::Priority,
            position: 1,
        }
    );
    assert_eq!(views(&server, &ana).await[1], updated);

    // Reverse the order.
    let reversed: Vec<Uuid> = made.iter().rev().map(|v| v.id).collect();
    let res = server
        .put(&ana, "/api/views/order", &json!({"ids": reversed}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let ordered: Vec<SavedView> = res.json().await.unwrap();
    assert_eq!(ordered, views(&server, &ana).await);
    assert_eq!(ordered.iter().map(|v| v.id).collect::<Vec<_>>(), reversed);
    assert_eq!(
        ordered.iter().map(|v| v.position).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );

    // Delete one in the middle: the rest close ranks.
    let gone = ordered[2].id;
    assert_eq!(
        delete(&server, &ana, gone).await.status(),
        StatusCode::NO_CONTENT
    );
    let after = views(&server, &ana).await;
    assert_eq!(
        after.iter().map(|v| v.id).collect::<Vec<_>>(),
        reversed
            .iter()
            .copied()
            .filter(|&id| id != gone)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        after.iter().map(|v| v.position).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    // A new view goes last; deleting again is a 404.
    let last = create(&server, &ana, "Fresh", "").await;
    assert_eq!(last.position, 4);
    expect_error(delete(&server, &ana, gone).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn nobody_reads_changes_or_learns_of_another_agents_views() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let bruno = server.login("bruno@deskline.test").await;
    let mine = create(&server, &ana, "Refunds", "\"refund\"").await;
    // Names are unique per person: Bruno may use the same one.
    let his = create(&server, &bruno, "refunds", "tag:refund").await;
    assert_eq!(names(&views(&server, &bruno).await), ["refunds"]);
    assert_eq!(views(&server, &ana).await, vec![mine.clone()]);

    let body = json!({"name": "Taken over", "query": "", "sort": "newest"});
    let stranger = Uuid::now_v7();
    for id in [mine.id, stranger] {
        let res = server.put(&bruno, &format!("/api/views/{id}"), &body).await;
        let put = expect_error(res, StatusCode::NOT_FOUND).await;
        assert_eq!(
            put["error"]["message"],
            "There is no saved view with that id."
        );
        let del = expect_error(delete(&server, &bruno, id).await, StatusCode::NOT_FOUND).await;
        assert_eq!(
            del, put,
            "someone else's view reads exactly like a missing one"
        );
    }
    // Reordering with someone else's id: the same words as an id that does not exist.
    let mut messages = Vec::new();
    for id in [mine.id, stranger] {
        let res = server
            .put(&bruno, "/api/views/order", &json!({"ids": [his.id, id]}))
            .await;
        let body = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(body["error"]["field"], "ids");
        messages.push(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .replace(&id.to_string(), "ID"),
        );
    }
    assert_eq!(messages[0], messages[1]);

    assert_eq!(views(&server, &ana).await, vec![mine]);
    assert_eq!(views(&server, &bruno).await, vec![his]);
}

#[tokio::test]
async fn every_invalid_view_gets_a_422_naming_its_field_and_changes_nothing() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let first = create(&server, &ana, "My queue", "assignee:me").await;
    create(&server, &ana, "Équipe", "").await;
    let third = create(&server, &ana, "Third", "").await;
    let before = views(&server, &ana).await;

    let body = |name: &str, query: &str| json!({"name": name, "query": query, "sort": "newest"});
    let cases: Vec<(Value, Option<&str>, &str)> = vec![
        (body("", ""), Some("name"), "Give the view a name."),
        (body(" \t ", ""), Some("name"), "Give the view a name."),
        (
            body(&"x".repeat(61), ""),
            Some("name"),
            "A view's name is at most 60 characters; this one has 61.",
        ),
        (
            body("two\nlines", ""),
            Some("name"),
            "A view's name is one line of text, without tabs or control characters.",
        ),
        (
            body("my QUEUE", ""),
            Some("name"),
            "You already have a view named \"My queue\".",
        ),
        (
            body("  équipe ", ""),
            Some("name"),
            "You already have a view named \"Équipe\".",
        ),
        (
            body("Bad filter", "priority:urgent colour:red"),
            Some("query"),
            "column 17: ",
        ),
        (
            body("Bad status", "status:nonsense"),
            Some("query"),
            "column 8: ",
        ),
        (
            body("Long", &"a".repeat(2001)),
            Some("query"),
            "A view's query is at most 2000 characters; this one has 2001.",
        ),
        (
            json!({"name": "Sorted", "query": "", "sort": "alphabetical"}),
            Some("sort"),
            "`sort` must be one of newest, oldest, updated, priority, sla_deadline; got \"alphabetical\"",
        ),
        (
            json!({"name": "Short", "query": ""}),
            Some("sort"),
            "missing field `sort`",
        ),
        (
            json!({"name": "Coloured", "query": "", "sort": "newest", "colour": "red"}),
            Some("colour"),
            "unknown field `colour`",
        ),
        (
            json!({"name": 7, "query": "", "sort": "newest"}),
            None,
            "invalid type",
        ),
    ];
    for (body, field, message) in &cases {
        for (method, path) in [
            ("POST", "/api/views".to_owned()),
            ("PUT", format!("/api/views/{}", third.id)),
        ] {
            let req = match method {
                "POST" => ana.post(server.url(&path)),
                _ => ana.put(server.url(&path)),
            };
            let res = req.json(body).send().await.unwrap();
            let err = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await;
            let said = err["error"]["message"].as_str().unwrap();
            if field.is_some() {
                assert_eq!(
                    err["error"]["field"],
                    json!(field),
                    "{method} {body}: {err}"
                );
            }
            assert!(said.contains(message), "{method} {body}: {said}");
        }
    }
    // A parse error says where and what: the column counts characters of the query as typed.
    let res = server
        .post(&ana, "/api/views", &body("Typo", "  sla:sometimes"))
        .await;
    let err = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("column 7: "),
        "{err}"
    );
    assert_eq!(
        views(&server, &ana).await,
        before,
        "a refused change changed something"
    );

    // Renaming a view to its own name in another case is no clash, and at the limits all fits.
    let res = server
        .put(
            &ana,
            &format!("/api/views/{}", first.id),
            &body("MY QUEUE", "assignee:me"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        names(&views(&server, &ana).await),
        ["MY QUEUE", "Équipe", "Third"]
    );

    let longest = create(
        &server,
        &ana,
        &"é".repeat(60),
        &format!("\"{}\"", "b".repeat(1998)),
    )
    .await;
    assert_eq!(longest.name.chars().count(), 60);
    assert_eq!(longest.query.chars().count(), 2000);
}

#[tokio::test]
async fn an_agent_keeps_at_most_fifty_views() {
    let server = TestServer::start().await;
    let chen = server.login("chen@deskline.test").await;
    for n in 0..MAX_VIEWS {
        create(&server, &chen, &format!("View {n}"), "").await;
    }
    let full = views(&server, &chen).await;
    assert_eq!(full.len(), 50);
    let res = server
        .post(
            &chen,
            "/api/views",
            &json!({"name": "One more", "query": "", "sort": "newest"}),
        )
        .await;
    let err = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        err["error"]["message"],
        "You already have 50 saved views, the most one person may keep; delete one first."
    );
    assert!(err["error"].get("field").is_none(), "{err}");
    assert_eq!(views(&server, &chen).await, full);
    // Others are not limited by Chen's views, and deleting one makes room.
    let dara = server.login("dara@deskline.test").await;
    create(&server, &dara, "One more", "").await;
    delete(&server, &chen, full[0].id).await;
    create(&server, &chen, "One more", "").await;
}

#[tokio::test]
async fn the_new_order_must_list_each_view_exactly_once() {
    let server = TestServer::start().await;
    let lea = server.login("lea@deskline.test").await;
    let res = server
        .put(&lea, "/api/views/order", &json!({"ids": []}))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "no views, nothing to list");
    let a = create(&server, &lea, "A", "").await;
    let b = create(&server, &lea, "B", "").await;
    let c = create(&server, &lea, "C", "").await;
    let before = views(&server, &lea).await;
    let cases: Vec<(Value, String)> = vec![
        (
            json!({"ids": [c.id, a.id]}),
            "The order leaves out your view \"B\"; list each of your views once.".into(),
        ),
        (
            json!({"ids": []}),
            "The order leaves out your view \"A\"; list each of your views once.".into(),
        ),
        (
            json!({"ids": [c.id, a.id, b.id, a.id]}),
            format!(
                "The view {} is listed twice; list each of your views once.",
                a.id
            ),
        ),
        (
            json!({"ids": [c.id, a.id, Uuid::nil()]}),
            format!(
                "You have no saved view {}; list each of your views once.",
                Uuid::nil()
            ),
        ),
    ];
    for (body, message) in cases {
        let res = server.put(&lea, "/api/views/order", &body).await;
        let err = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(err["error"]["field"], "ids", "{body}");
        assert_eq!(err["error"]["message"], message.as_str(), "{body}");
    }
    for body in [
        json!({"ids": ["b"]}),
        json!({"order": [a.id]}),
        json!([a.id]),
    ] {
        let res = server.put(&lea, "/api/views/order", &body).await;
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    assert_eq!(views(&server, &lea).await, before);
    let res = server
        .put(
            &lea,
            "/api/views/order",
            &json!({"ids": [b.id, c.id, a.id]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(names(&views(&server, &lea).await), ["B", "C", "A"]);
}

#[tokio::test]
async fn customers_and_strangers_have_no_views() {
    let server = TestServer::start().await;
    let everything = server.store.all_tickets().await.unwrap();
    let requester = everything.iter().find_map(|t| t.requester.clone()).unwrap();
    let customer = server.customer(&requester).await;
    let anonymous = server.anonymous();
    let body = json!({"name": "Mine", "query": "", "sort": "newest"});
    let id = Uuid::now_v7();
    for (client, status) in [
        (&customer, StatusCode::FORBIDDEN),
        (&anonymous, StatusCode::UNAUTHORIZED),
    ] {
        let responses = [
            server.get(client, "/api/views").await,
            server.post(client, "/api/views", &body).await,
            server.put(client, &format!("/api/views/{id}"), &body).await,
            delete(&server, client, id).await,
            server
                .put(client, "/api/views/order", &json!({"ids": []}))
                .await,
        ];
        for res in responses {
            let err = expect_error(res, status).await;
            if status == StatusCode::FORBIDDEN {
                assert_eq!(
                    err["error"]["message"],
                    "This is for agents; customers use the portal."
                );
            }
        }
    }
    let admin = server.login("admin@deskline.test").await;
    assert!(views(&server, &admin).await.is_empty());
}

#[tokio::test]
async fn staff_find_any_ticket_by_reference_and_learn_nothing_more_of_hidden_ones() {
    let server = TestServer::start().await;
    let ws = server.state.workspace();
    assert!(!ws.agents_see_all_teams, "the demo keeps teams apart");
    let ana = server.login("ana@deskline.test").await;
    let me = actor(&server, "ana@deskline.test");
    let everything = server.store.all_tickets().await.unwrap();
    let seen = everything
        .iter()
        .find(|t| t.team.is_some() && can_see(&me, t, &ws))
        .unwrap();
    let hidden = everything.iter().find(|t| !can_see(&me, t, &ws)).unwrap();

    // A ticket Ana can open: everything the lookup promises, however the prefix is typed.
    for typed in [
        reference(seen).to_owned(),
        format!("  {}\t", reference(seen).to_lowercase()),
    ] {
        let res = lookup(&server, &ana, &typed).await;
        assert_eq!(res.status(), StatusCode::OK, "{typed:?}");
        let found: ReferenceLookup = res.json().await.unwrap();
        assert_eq!(
            found,
            ReferenceLookup {
                id: Some(seen.id),
                reference: reference(seen).to_owned(),
                status: seen.status.clone(),
                status_label: ws.status_label(&seen.status).to_owned(),
                team: seen.team,
                team_name: seen.team.map(|t| ws.team(t).unwrap().name.clone()),
                visible: true,
            }
        );
    }

    // A ticket in a team Ana is not in: she learns it exists and where, and not one word more.
    let res = lookup(&server, &ana, reference(hidden)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    let raw: Value = serde_json::from_str(&text).unwrap();
    let keys: BTreeSet<&str> = raw
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "id",
            "reference",
            "status",
            "status_label",
            "team",
            "team_name",
            "visible"
        ])
    );
    assert_eq!(raw["visible"], false);
    assert_eq!(
        raw["id"],
        serde_json::Value::Null,
        "no id for a ticket the agent cannot open"
    );
    assert!(!text.contains(&hidden.title), "the title leaked: {text}");
    let requester = hidden.requester.as_ref().unwrap();
    assert!(
        !text.contains(&requester.name),
        "the requester leaked: {text}"
    );
    // And opening it is still refused.
    let res = server
        .get(&ana, &format!("/api/tickets/{}", hidden.id))
        .await;
    expect_error(res, StatusCode::NOT_FOUND).await;

    // An admin sees every team, so the same ticket is visible to them.
    let admin = server.login("admin@deskline.test").await;
    let found: ReferenceLookup = lookup(&server, &admin, reference(hidden))
        .await
        .json()
        .await
        .unwrap();
    assert!(found.visible);

    // Only exact references: no prefixes, no other spellings.
    let partial = &reference(seen)[..reference(seen).len() - 1];
    for typed in [partial, "TKT-99999", "TKT 0001"] {
        let err = expect_error(lookup(&server, &ana, typed).await, StatusCode::NOT_FOUND).await;
        assert_eq!(
            err["error"]["message"],
            format!("No ticket has the reference \"{typed}\".")
        );
    }
}

#[tokio::test]
async fn customers_find_only_their_own_tickets_by_reference() {
    let server = TestServer::start().await;
    let everything = server.store.all_tickets().await.unwrap();
    let mine = everything.iter().find(|t| t.requester.is_some()).unwrap();
    let requester = mine.requester.clone().unwrap();
    let other = everything
        .iter()
        .find(|t| t.requester.as_ref().is_some_and(|r| r.id != requester.id))
        .unwrap();
    let customer = server.customer(&requester).await;

    let found: ReferenceLookup = lookup(&server, &customer, reference(mine))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((found.id, found.visible), (Some(mine.id), true));

    // Another customer's ticket reads exactly like one that does not exist.
    let theirs = expect_error(
        lookup(&server, &customer, reference(other)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        theirs["error"]["message"],
        format!("No ticket has the reference \"{}\".", reference(other))
    );
    let nobody = expect_error(
        lookup(&server, &customer, "TKT-99999").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(theirs["error"]["code"], nobody["error"]["code"]);
    assert_eq!(
        theirs["error"]["message"]
            .as_str()
            .unwrap()
            .replace(reference(other), "X"),
        nobody["error"]["message"]
            .as_str()
            .unwrap()
            .replace("TKT-99999", "X"),
    );
}

#[tokio::test]
async fn a_lookup_needs_a_reference_of_sensible_length() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    for path in [
        "/api/tickets/lookup",
        "/api/tickets/lookup?reference=",
        "/api/tickets/lookup?reference=%20%20",
        &format!("/api/tickets/lookup?reference={}", "9".repeat(41)),
    ] {
        let err = expect_error(server.get(&ana, path).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(err["error"]["field"], "reference", "{path}");
    }
    let err = expect_error(
        server
            .get(&ana, "/api/tickets/lookup?reference=TKT-0001&title=x")
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(err["error"]["field"], "title");
    // Forty characters is still a question, just one without an answer.
    expect_error(
        lookup(&server, &ana, &"9".repeat(40)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(
        lookup(&server, &server.anonymous(), "TKT-0001").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn protocol_references_are_found_as_well() {
    let server = TestServer::with_preset(Preset::ServiceDesk, 5).await;
    let dara = server.login("dara@deskline.test").await;
    for ticket in server.store.all_tickets().await.unwrap() {
        assert_eq!(reference(&ticket).len(), 17);
        let found: ReferenceLookup = lookup(&server, &dara, &format!(" {} ", reference(&ticket)))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(found.id, found.visible.then_some(ticket.id));
        assert_eq!(
            found.visible,
            can_see(
                &actor(&server, "dara@deskline.test"),
                &ticket,
                &server.state.workspace()
            )
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_reference_or_view_text_gets_an_answer_and_never_a_5xx() {
    let server = TestServer::start().await;
    let ana = server.login("ana@deskline.test").await;
    let mut runner = TestRunner::new(Config {
        cases: 100,
        ..Config::default()
    });
    let text = prop_oneof![
        ".{0,50}",
        "[tTkK-]{0,5}[0-9é]{0,6}",
        "[a-z_]{1,8}:[a-z,é\"<>=.0-9]{0,12}( [a-z\"]{0,5})?",
    ];
    let handle = tokio::runtime::Handle::current();
    runner
        .run(&(text.clone(), text), |(a, b)| {
            let (found, saved) = tokio::task::block_in_place(|| {
                handle.block_on(async {
                    let found = lookup(&server, &ana, &a).await.status();
                    let saved = server
                        .post(
                            &ana,
                            "/api/views",
                            &json!({"name": a, "query": b, "sort": "newest"}),
                        )
                        .await
                        .status();
                    (found, saved)
                })
            });
            prop_assert!(
                [
                    StatusCode::OK,
                    StatusCode::BAD_REQUEST,
                    StatusCode::NOT_FOUND
                ]
                .contains(&found),
                "lookup {:?} answered {}",
                a,
                found
            );
            prop_assert!(
                [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY].contains(&saved),
                "saving {:?} / {:?} answered {}",
                a,
                b,
                saved
            );
            Ok(())
        })
        .unwrap();
}
