//! The frame of every page: navigation, search, user menu, title and primary action.

use super::Ui;
use maud::{DOCTYPE, Markup, html};

/// Where a page sits in the navigation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Dashboard,
    Leads,
    Deals,
    Board,
    Accounts,
    Products,
    Contacts,
    Activities,
    Calendar,
    Quotes,
    Orders,
    Invoices,
    Payments,
    Reports,
    Profile,
    Settings,
    None,
}

pub struct Page {
    pub title: String,
    pub nav: Nav,
    /// The page's primary actions, on the right of the title.
    pub actions: Option<Markup>,
    pub body: Markup,
}

/// Known flash messages, chosen by a query parameter so nothing user-typed is echoed.
pub fn flash(ui: &Ui, key: Option<&str>) -> Markup {
    let msg = match key {
        Some("saved") => ui.tr.t("flash-saved"),
        Some("converted") => ui.tr.t("flash-converted"),
        Some("deleted") => ui.tr.t1("flash-deleted", "name", ""),
        Some("password") => ui.tr.t("profile-password-changed"),
        Some("bulk") => ui.tr.t("flash-saved"),
        _ => return html! {},
    };
    html! { div.flash role="status" { (msg.trim_end_matches(": ")) } }
}

pub fn render(ui: &Ui, page: Page) -> Markup {
    let t = |id: &str| ui.tr.t(id);
    let link = |nav: Nav, href: &str, id: &str| -> Markup {
        html! {
            a href=(href) aria-current=[(page.nav == nav).then_some("page")] { (t(id)) }
        }
    };
    html! {
        (DOCTYPE)
        html lang=(ui.tr.locale.as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (page.title) " · " (t("app-name")) }
                link rel="stylesheet" href="/assets/app.css";
                script src="/assets/htmx.min.js" defer {}
                script src="/assets/Sortable.min.js" defer {}
                script src="/assets/app.js" defer {}
            }
            body data-csrf=(ui.csrf) hx-headers=(format!(r#"{{"X-CSRF-Token": "{}"}}"#, ui.csrf)) {
                div.app {
                    aside.sidebar {
                        a.logo href="/" { "▼ " (t("app-name")) }
                        nav aria-label=(t("app-name")) {
                            (link(Nav::Dashboard, "/", "nav-dashboard"))
                            (link(Nav::Leads, "/leads", "nav-leads"))
                            (link(Nav::Deals, "/deals", "nav-deals"))
                            (link(Nav::Board, "/board", "nav-board"))
                            (link(Nav::Accounts, "/accounts", "nav-accounts"))
                            (link(Nav::Contacts, "/contacts", "nav-contacts"))
                            (link(Nav::Activities, "/activities", "nav-activities"))
                            (link(Nav::Products, "/products", "nav-products"))
                            (link(Nav::Calendar, "/calendar", "nav-calendar"))
                            (link(Nav::Quotes, "/quotes", "nav-quotes"))
                            (link(Nav::Orders, "/orders", "nav-orders"))
                            (link(Nav::Invoices, "/invoices", "nav-invoices"))
                            (link(Nav::Payments, "/payments", "nav-payments"))
                            (link(Nav::Reports, "/reports", "nav-reports"))
                            @if ui.actor.is_admin() {
                                (link(Nav::Settings, "/settings", "nav-settings"))
                            }
                        }
                    }
                    div.main {
                        header.topbar {
                            form.search action="/search" method="get" role="search" {
                                label.sr-only for="search-box" { (t("search-placeholder")) }
                                input #search-box type="search" name="q" autocomplete="off"
                                    placeholder=(t("search-placeholder"))
                                    hx-get="/search/suggest" hx-trigger="input changed delay:150ms, search"
                                    hx-target="#search-results" hx-swap="innerHTML";
                                div #search-results .search-results {}
                            }
                            div.usermenu {
                                a.name href="/profile" aria-current=[(page.nav == Nav::Profile).then_some("page")] { (ui.user.data.name) }
                                form method="post" action="/logout" {
                                    input type="hidden" name="_csrf" value=(ui.csrf);
                                    button type="submit" { (t("nav-logout")) }
                                }
                            }
                        }
                        main.content #content {
                            div.pagehead {
                                h1 { (page.title) }
                                @if let Some(actions) = &page.actions {
                                    div.actions { (actions) }
                                }
                            }
                            (page.body)
                        }
                    }
                }
            }
        }
    }
}

/// The hidden CSRF field every form carries.
pub fn csrf(ui: &Ui) -> Markup {
    html! { input type="hidden" name="_csrf" value=(ui.csrf); }
}
