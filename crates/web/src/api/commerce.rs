//! The money side of the sales cycle: deal products, quotes, sales orders,
//! invoices, acts, shipments and payments, with their lifecycle actions.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ReadErrors, WriteErrors};
use crate::extract::{JsonBody, Typed};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use voronka_core::documents::{InvoiceAction, OrderAction, QuoteAction};
use voronka_core::records::{
    AllocationData, Balance, Delivery, DeliveryData, DocKind, Document, DocumentData, Id, Payment,
    PaymentData,
};
use voronka_store::Page;
use voronka_store::documents::{self, DealProducts, QuoteOutcome, SetDealProducts, Source};
use voronka_store::payments;

use super::records::ListParams;

/// An optional JSON object body: empty means `{}`.
fn optional_json(body: &Bytes) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))
}

macro_rules! documents_crud {
    ($m:ident, $kind:expr, $coll:literal, $item:literal, $tag:literal) => {
        pub mod $m {
            use super::*;

            /// List (headers without lines), filtered, sorted and paginated.
            #[utoipa::path(get, path = $coll, tag = $tag, operation_id = concat!("list_", stringify!($m)),
                params(ListParams), responses((status = 200, body = Page<Document>), ReadErrors))]
            pub async fn list(
                State(state): State<AppState>,
                auth: Auth,
                Query(params): Query<Vec<(String, String)>>,
            ) -> ApiResult<Json<Page<Document>>> {
                Ok(Json(documents::list(&state.db, &auth.actor, $kind, &params).await?))
            }

            /// Create with lines; what a line leaves out comes from its product and the price book.
            #[utoipa::path(post, path = $coll, tag = $tag, operation_id = concat!("create_", stringify!($m)),
                request_body = DocumentData, responses((status = 201, body = Document), WriteErrors))]
            pub async fn create(
                State(state): State<AppState>,
                auth: Auth,
                JsonBody(body): JsonBody,
            ) -> ApiResult<(StatusCode, Json<Document>)> {
                let d = documents::create(&state.db, &auth.actor, $kind, body).await?;
                Ok((StatusCode::CREATED, Json(d)))
            }

            /// Get one with its lines and totals.
            #[utoipa::path(get, path = $item, tag = $tag, operation_id = concat!("get_", stringify!($m)),
                params(("id" = i64, Path)), responses((status = 200, body = Document), ReadErrors))]
            pub async fn get(State(state): State<AppState>, auth: Auth, Path(id): Path<Id>) -> ApiResult<Json<Document>> {
                Ok(Json(documents::get(&state.db, &auth.actor, $kind, id).await?))
            }

            /// Update a draft: the fields sent replace the old ones (`lines` replaces all lines).
            /// Anything past draft is read-only: `409`.
            #[utoipa::path(patch, path = $item, tag = $tag, operation_id = concat!("update_", stringify!($m)),
                params(("id" = i64, Path)), request_body = Object, responses((status = 200, body = Document), WriteErrors))]
            pub async fn update(
                State(state): State<AppState>,
                auth: Auth,
                Path(id): Path<Id>,
                JsonBody(body): JsonBody,
            ) -> ApiResult<Json<Document>> {
                Ok(Json(documents::update(&state.db, &auth.actor, $kind, id, body).await?))
            }

            /// Delete a draft.
            #[utoipa::path(delete, path = $item, tag = $tag, operation_id = concat!("delete_", stringify!($m)),
                params(("id" = i64, Path)), responses((status = 204, description = "Deleted"), WriteErrors))]
            pub async fn delete(State(state): State<AppState>, auth: Auth, Path(id): Path<Id>) -> ApiResult<StatusCode> {
                documents::delete(&state.db, &auth.actor, $kind, id).await?;
                Ok(StatusCode::NO_CONTENT)
            }

            pub fn router() -> OpenApiRouter<AppState> {
                OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(get, update, delete))
            }
        }
    };
}

documents_crud!(
    quotes_crud,
    DocKind::Quote,
    "/api/v1/quotes",
    "/api/v1/quotes/{id}",
    "quotes"
);
documents_crud!(
    orders_crud,
    DocKind::Order,
    "/api/v1/orders",
    "/api/v1/orders/{id}",
    "orders"
);
documents_crud!(
    invoices_crud,
    DocKind::Invoice,
    "/api/v1/invoices",
    "/api/v1/invoices/{id}",
    "invoices"
);

/// Move a quote on: `activate` (Draft → Active, read-only), `win` (→ Won,
/// creates the sales order and moves the deal to the pipeline's stage for
/// won quotes), `lose`, or `revise` (→ Revised, returns the new Draft with
/// the lines copied and the revision number increased).
#[utoipa::path(post, path = "/api/v1/quotes/{id}/{action}", tag = "quotes",
    params(("id" = i64, Path), ("action" = QuoteAction, Path)),
    responses((status = 200, body = QuoteOutcome), WriteErrors))]
pub async fn quote_action(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, action)): Path<(Id, QuoteAction)>,
) -> ApiResult<Json<QuoteOutcome>> {
    Ok(Json(
        documents::quote_action(&state.db, &auth.actor, id, action).await?,
    ))
}

/// `approve`, `ship` or `cancel` a sales order.
#[utoipa::path(post, path = "/api/v1/orders/{id}/{action}", tag = "orders",
    params(("id" = i64, Path), ("action" = OrderAction, Path)),
    responses((status = 200, body = Document), WriteErrors))]
pub async fn order_action(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, action)): Path<(Id, OrderAction)>,
) -> ApiResult<Json<Document>> {
    Ok(Json(
        documents::order_action(&state.db, &auth.actor, id, action).await?,
    ))
}

/// `send` issues the invoice: it takes the next number of its year and
/// freezes the payer's and our legal details. `cancel` refuses an invoice
/// with payments; a canceled invoice keeps its number.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/{action}", tag = "invoices",
    params(("id" = i64, Path), ("action" = InvoiceAction, Path)),
    responses((status = 200, body = Document), WriteErrors))]
pub async fn invoice_action(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, action)): Path<(Id, InvoiceAction)>,
) -> ApiResult<Json<Document>> {
    Ok(Json(
        documents::invoice_action(&state.db, &auth.actor, id, action).await?,
    ))
}

async fn copy(
    state: &AppState,
    auth: &Auth,
    kind: DocKind,
    source: Source,
    body: &Bytes,
) -> ApiResult<(StatusCode, Json<Document>)> {
    let overrides = optional_json(body)?;
    let d = documents::create_from(&state.db, &auth.actor, kind, source, overrides).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// A quote from the deal's products. The body (optional) sets document
/// fields such as `valid_until` or `terms`.
#[utoipa::path(post, path = "/api/v1/deals/{id}/quotes", tag = "quotes", params(("id" = i64, Path)),
    request_body(content = Option<Object>), responses((status = 201, body = Document), WriteErrors))]
pub async fn quote_from_deal(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Document>)> {
    copy(&state, &auth, DocKind::Quote, Source::Deal(id), &body).await
}

/// An invoice from the deal's products.
#[utoipa::path(post, path = "/api/v1/deals/{id}/invoices", tag = "invoices", params(("id" = i64, Path)),
    request_body(content = Option<Object>), responses((status = 201, body = Document), WriteErrors))]
pub async fn invoice_from_deal(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Document>)> {
    copy(&state, &auth, DocKind::Invoice, Source::Deal(id), &body).await
}

/// An invoice from an active or won quote, lines copied.
#[utoipa::path(post, path = "/api/v1/quotes/{id}/invoices", tag = "invoices", params(("id" = i64, Path)),
    request_body(content = Option<Object>), responses((status = 201, body = Document), WriteErrors))]
pub async fn invoice_from_quote(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Document>)> {
    copy(&state, &auth, DocKind::Invoice, Source::Quote(id), &body).await
}

/// An invoice from a sales order, lines copied.
#[utoipa::path(post, path = "/api/v1/orders/{id}/invoices", tag = "invoices", params(("id" = i64, Path)),
    request_body(content = Option<Object>), responses((status = 201, body = Document), WriteErrors))]
pub async fn invoice_from_order(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Document>)> {
    copy(&state, &auth, DocKind::Invoice, Source::Order(id), &body).await
}

/// The deal's products and what they add up to (revenue, VAT, cost, gross profit).
#[utoipa::path(get, path = "/api/v1/deals/{id}/products", tag = "deals", params(("id" = i64, Path)),
    responses((status = 200, body = DealProducts), ReadErrors))]
pub async fn deal_products(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<DealProducts>> {
    Ok(Json(
        documents::deal_products(&state.db, &auth.actor, id).await?,
    ))
}

/// Replace the deal's products. The deal's amount becomes their total
/// unless `amount_from_lines` is false; typing an amount on the deal later
/// turns it off.
#[utoipa::path(put, path = "/api/v1/deals/{id}/products", tag = "deals", params(("id" = i64, Path)),
    request_body = SetDealProducts, responses((status = 200, body = DealProducts), WriteErrors))]
pub async fn set_deal_products(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    Typed(req): Typed<SetDealProducts>,
) -> ApiResult<Json<DealProducts>> {
    Ok(Json(
        documents::set_deal_products(&state.db, &auth.actor, id, req).await?,
    ))
}

async fn deliver(
    state: &AppState,
    auth: &Auth,
    kind: DocKind,
    invoice_id: Id,
    body: &Bytes,
) -> ApiResult<(StatusCode, Json<Delivery>)> {
    let req: DeliveryData = voronka_store::table::parse(optional_json(body)?)?;
    let d = payments::deliver(&state.db, &auth.actor, kind, invoice_id, req).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// An act (services rendered) from an issued invoice: the lines named with
/// their quantities, or everything not yet on an act.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/acts", tag = "invoices", params(("id" = i64, Path)),
    request_body(content = Option<DeliveryData>), responses((status = 201, body = Delivery), WriteErrors))]
pub async fn create_act(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Delivery>)> {
    deliver(&state, &auth, DocKind::Act, id, &body).await
}

/// A shipment of goods from an issued invoice: partial shipments are
/// allowed, never more than invoiced.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/shipments", tag = "invoices", params(("id" = i64, Path)),
    request_body(content = Option<DeliveryData>), responses((status = 201, body = Delivery), WriteErrors))]
pub async fn create_shipment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Delivery>)> {
    deliver(&state, &auth, DocKind::Shipment, id, &body).await
}

/// The acts of an invoice.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/acts", tag = "invoices", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Delivery>), ReadErrors))]
pub async fn list_acts(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Vec<Delivery>>> {
    Ok(Json(
        payments::deliveries(&state.db, &auth.actor, DocKind::Act, id).await?,
    ))
}

/// The shipments of an invoice.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/shipments", tag = "invoices", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Delivery>), ReadErrors))]
pub async fn list_shipments(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Vec<Delivery>>> {
    Ok(Json(
        payments::deliveries(&state.db, &auth.actor, DocKind::Shipment, id).await?,
    ))
}

/// One act.
#[utoipa::path(get, path = "/api/v1/acts/{id}", tag = "invoices", params(("id" = i64, Path)),
    responses((status = 200, body = Delivery), ReadErrors))]
pub async fn get_act(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Delivery>> {
    Ok(Json(
        payments::get_delivery(&state.db, &auth.actor, DocKind::Act, id).await?,
    ))
}

/// One shipment.
#[utoipa::path(get, path = "/api/v1/shipments/{id}", tag = "invoices", params(("id" = i64, Path)),
    responses((status = 200, body = Delivery), ReadErrors))]
pub async fn get_shipment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Delivery>> {
    Ok(Json(
        payments::get_delivery(&state.db, &auth.actor, DocKind::Shipment, id).await?,
    ))
}

/// Payments, filtered, sorted and paginated.
#[utoipa::path(get, path = "/api/v1/payments", tag = "payments", params(ListParams),
    responses((status = 200, body = Page<Payment>), ReadErrors))]
pub async fn list_payments(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Page<Payment>>> {
    Ok(Json(payments::list(&state.db, &auth.actor, &params).await?))
}

/// Record a payment: incoming from a customer (optionally allocated to its
/// invoices, partly or fully; the rest stays as credit) or outgoing to a vendor.
#[utoipa::path(post, path = "/api/v1/payments", tag = "payments", request_body = PaymentData,
    responses((status = 201, body = Payment), WriteErrors))]
pub async fn create_payment(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Payment>)> {
    let p = payments::create(&state.db, &auth.actor, body).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// One payment with its allocations.
#[utoipa::path(get, path = "/api/v1/payments/{id}", tag = "payments", params(("id" = i64, Path)),
    responses((status = 200, body = Payment), ReadErrors))]
pub async fn get_payment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Payment>> {
    Ok(Json(payments::get(&state.db, &auth.actor, id).await?))
}

/// Delete a payment; the invoices it paid owe again.
#[utoipa::path(delete, path = "/api/v1/payments/{id}", tag = "payments", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), WriteErrors))]
pub async fn delete_payment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<StatusCode> {
    payments::delete(&state.db, &auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Apply (more of) a payment to an invoice.
#[utoipa::path(post, path = "/api/v1/payments/{id}/allocations", tag = "payments", params(("id" = i64, Path)),
    request_body = AllocationData, responses((status = 200, body = Payment), WriteErrors))]
pub async fn allocate_payment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    Typed(req): Typed<AllocationData>,
) -> ApiResult<Json<Payment>> {
    Ok(Json(
        payments::allocate(&state.db, &auth.actor, id, req).await?,
    ))
}

/// What the account owes (invoiced − paid) and its credit, per currency.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/balance", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Balance>), ReadErrors))]
pub async fn account_balance(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Vec<Balance>>> {
    Ok(Json(payments::balance(&state.db, &auth.actor, id).await?))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(quotes_crud::router())
        .merge(orders_crud::router())
        .merge(invoices_crud::router())
        .routes(routes!(quote_action))
        .routes(routes!(order_action))
        .routes(routes!(invoice_action))
        .routes(routes!(quote_from_deal))
        .routes(routes!(invoice_from_deal))
        .routes(routes!(invoice_from_quote))
        .routes(routes!(invoice_from_order))
        .routes(routes!(deal_products, set_deal_products))
        .routes(routes!(create_act, list_acts))
        .routes(routes!(create_shipment, list_shipments))
        .routes(routes!(get_act))
        .routes(routes!(get_shipment))
        .routes(routes!(list_payments, create_payment))
        .routes(routes!(get_payment, delete_payment))
        .routes(routes!(allocate_payment))
        .routes(routes!(account_balance))
}
