//! The catalog and our company: products, units, VAT rates, price books with
//! their prices, currencies with their exchange rates, our legal details.
//! Everyone signed in reads; products and price books are written by
//! administrators and heads of sales, the rest by administrators.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ReadErrors, WriteErrors};
use crate::extract::JsonBody;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use voronka_core::records::{
    Company, CompanyData, CurrencyData, ExchangeRate, Id, PriceBook, PriceBookData, PriceBookEntry,
    PriceInput, Product, ProductData, ProductPrice, RateInput, Unit, VatRate, VatRateData,
};
use voronka_store::{Page, catalog, company, rules};

use super::records::ListParams;

// ---------------------------------------------------------------- products

/// Products and services, filtered, sorted and paginated like every list
/// (`kind`, `active`, `category`, `price__gte`, `q` …).
#[utoipa::path(get, path = "/api/v1/products", tag = "catalog", params(ListParams),
    responses((status = 200, body = Page<Product>), ReadErrors))]
pub async fn list_products(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Page<Product>>> {
    Ok(Json(
        rules::list::<Product>(&state.db, &auth.actor, &params).await?,
    ))
}

/// Add a product (administrators and heads of sales).
#[utoipa::path(post, path = "/api/v1/products", tag = "catalog", request_body = ProductData,
    responses((status = 201, body = Product), WriteErrors))]
pub async fn create_product(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Product>)> {
    let p = catalog::create_product(&state.db, &auth.actor, body).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "catalog", params(("id" = i64, Path)),
    responses((status = 200, body = Product), ReadErrors))]
pub async fn get_product(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Product>> {
    Ok(Json(
        rules::get::<Product>(&state.db, &auth.actor, id).await?,
    ))
}

/// Change the fields sent (administrators and heads of sales).
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "catalog", params(("id" = i64, Path)),
    request_body = Object, responses((status = 200, body = Product), WriteErrors))]
pub async fn update_product(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Product>> {
    Ok(Json(
        catalog::update_product(&state.db, &auth.actor, id, body).await?,
    ))
}

/// Delete a product no document line uses (409 otherwise: deactivate it instead).
#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "catalog", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), WriteErrors))]
pub async fn delete_product(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<StatusCode> {
    catalog::require_catalog_writer(&auth.actor)?;
    rules::delete::<Product>(&state.db, &auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PriceQuery {
    /// The price book to take the price from; without it, the product's own price.
    pub price_book_id: Option<Id>,
}

/// The price a document line gets for the product: the book's if it has
/// one, else the product's own.
#[utoipa::path(get, path = "/api/v1/products/{id}/price", tag = "catalog",
    params(("id" = i64, Path), PriceQuery), responses((status = 200, body = ProductPrice), ReadErrors))]
pub async fn product_price(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<Id>,
    Query(q): Query<PriceQuery>,
) -> ApiResult<Json<ProductPrice>> {
    let mut c = state.db.reader().await.map_err(ApiError::from)?;
    catalog::price_for(&mut c, q.price_book_id, id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

// ---------------------------------------------------------------- units, VAT

/// Units of measure with their OKEI codes.
#[utoipa::path(get, path = "/api/v1/units", tag = "catalog", responses((status = 200, body = Vec<Unit>), ReadErrors))]
pub async fn list_units(State(state): State<AppState>, _auth: Auth) -> ApiResult<Json<Vec<Unit>>> {
    Ok(Json(catalog::list_units(&state.db).await?))
}

/// VAT rates by regime, with the days they apply.
#[utoipa::path(get, path = "/api/v1/vat-rates", tag = "catalog", responses((status = 200, body = Vec<VatRate>), ReadErrors))]
pub async fn list_vat_rates(
    State(state): State<AppState>,
    _auth: Auth,
) -> ApiResult<Json<Vec<VatRate>>> {
    Ok(Json(catalog::list_vat_rates(&state.db).await?))
}

/// Add a VAT rate (administrators).
#[utoipa::path(post, path = "/api/v1/vat-rates", tag = "catalog", request_body = VatRateData,
    responses((status = 201, body = VatRate), WriteErrors))]
pub async fn create_vat_rate(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<VatRate>)> {
    Ok((
        StatusCode::CREATED,
        Json(catalog::create_vat_rate(&state.db, &auth.actor, body).await?),
    ))
}

#[utoipa::path(patch, path = "/api/v1/vat-rates/{id}", tag = "catalog", params(("id" = i64, Path)),
    request_body = Object, responses((status = 200, body = VatRate), WriteErrors))]
pub async fn update_vat_rate(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<VatRate>> {
    Ok(Json(
        catalog::update_vat_rate(&state.db, &auth.actor, id, body).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/vat-rates/{id}", tag = "catalog", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), WriteErrors))]
pub async fn delete_vat_rate(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<StatusCode> {
    catalog::delete_vat_rate(&state.db, &auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- price books

#[utoipa::path(get, path = "/api/v1/price-books", tag = "catalog", responses((status = 200, body = Vec<PriceBook>), ReadErrors))]
pub async fn list_price_books(
    State(state): State<AppState>,
    _auth: Auth,
) -> ApiResult<Json<Vec<PriceBook>>> {
    Ok(Json(catalog::list_price_books(&state.db).await?))
}

/// Add a price book (administrators and heads of sales). `is_default: true`
/// makes it the only default.
#[utoipa::path(post, path = "/api/v1/price-books", tag = "catalog", request_body = PriceBookData,
    responses((status = 201, body = PriceBook), WriteErrors))]
pub async fn create_price_book(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<PriceBook>)> {
    Ok((
        StatusCode::CREATED,
        Json(catalog::create_price_book(&state.db, &auth.actor, body).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/price-books/{id}", tag = "catalog", params(("id" = i64, Path)),
    responses((status = 200, body = PriceBook), ReadErrors))]
pub async fn get_price_book(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<PriceBook>> {
    Ok(Json(catalog::get_price_book(&state.db, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/price-books/{id}", tag = "catalog", params(("id" = i64, Path)),
    request_body = Object, responses((status = 200, body = PriceBook), WriteErrors))]
pub async fn update_price_book(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<PriceBook>> {
    Ok(Json(
        catalog::update_price_book(&state.db, &auth.actor, id, body).await?,
    ))
}

/// Delete a price book and its prices, unless a document uses it.
#[utoipa::path(delete, path = "/api/v1/price-books/{id}", tag = "catalog", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), WriteErrors))]
pub async fn delete_price_book(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<StatusCode> {
    catalog::delete_price_book(&state.db, &auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The book's prices with the products' names, by name.
#[utoipa::path(get, path = "/api/v1/price-books/{id}/entries", tag = "catalog", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<PriceBookEntry>), ReadErrors))]
pub async fn list_entries(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<Id>,
) -> ApiResult<Json<Vec<PriceBookEntry>>> {
    Ok(Json(catalog::list_entries(&state.db, id).await?))
}

/// Set a product's price in the book.
#[utoipa::path(put, path = "/api/v1/price-books/{id}/entries/{product_id}", tag = "catalog",
    params(("id" = i64, Path), ("product_id" = i64, Path)), request_body = PriceInput,
    responses((status = 200, body = PriceBookEntry), WriteErrors))]
pub async fn put_entry(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, product_id)): Path<(Id, Id)>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<PriceBookEntry>> {
    Ok(Json(
        catalog::put_entry(&state.db, &auth.actor, id, product_id, body).await?,
    ))
}

/// Remove a product's price from the book.
#[utoipa::path(delete, path = "/api/v1/price-books/{id}/entries/{product_id}", tag = "catalog",
    params(("id" = i64, Path), ("product_id" = i64, Path)),
    responses((status = 204, description = "Removed"), WriteErrors))]
pub async fn delete_entry(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, product_id)): Path<(Id, Id)>,
) -> ApiResult<StatusCode> {
    catalog::delete_entry(&state.db, &auth.actor, id, product_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- currencies

#[utoipa::path(get, path = "/api/v1/currencies", tag = "catalog", responses((status = 200, body = Vec<CurrencyData>), ReadErrors))]
pub async fn list_currencies(
    State(state): State<AppState>,
    _auth: Auth,
) -> ApiResult<Json<Vec<CurrencyData>>> {
    Ok(Json(catalog::list_currencies(&state.db).await?))
}

/// Add a currency (administrators).
#[utoipa::path(post, path = "/api/v1/currencies", tag = "catalog", request_body = CurrencyData,
    responses((status = 201, body = CurrencyData), WriteErrors))]
pub async fn create_currency(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<CurrencyData>)> {
    Ok((
        StatusCode::CREATED,
        Json(catalog::create_currency(&state.db, &auth.actor, body).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/currencies/{code}", tag = "catalog", params(("code" = String, Path)),
    responses((status = 200, body = CurrencyData), ReadErrors))]
pub async fn get_currency(
    State(state): State<AppState>,
    _auth: Auth,
    Path(code): Path<String>,
) -> ApiResult<Json<CurrencyData>> {
    Ok(Json(catalog::get_currency(&state.db, &code).await?))
}

/// Rename a currency or switch it on and off (`active`); the code stays.
#[utoipa::path(patch, path = "/api/v1/currencies/{code}", tag = "catalog", params(("code" = String, Path)),
    request_body = Object, responses((status = 200, body = CurrencyData), WriteErrors))]
pub async fn update_currency(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<CurrencyData>> {
    Ok(Json(
        catalog::update_currency(&state.db, &auth.actor, &code, body).await?,
    ))
}

/// The currency's exchange rates, newest day first.
#[utoipa::path(get, path = "/api/v1/currencies/{code}/rates", tag = "catalog", params(("code" = String, Path)),
    responses((status = 200, body = Vec<ExchangeRate>), ReadErrors))]
pub async fn list_rates(
    State(state): State<AppState>,
    _auth: Auth,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<ExchangeRate>>> {
    Ok(Json(catalog::list_rates(&state.db, &code).await?))
}

/// Set the rate for a day: units of the base currency for one unit of this one.
#[utoipa::path(put, path = "/api/v1/currencies/{code}/rates", tag = "catalog", params(("code" = String, Path)),
    request_body = RateInput, responses((status = 200, body = ExchangeRate), WriteErrors))]
pub async fn put_rate(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<ExchangeRate>> {
    Ok(Json(
        catalog::put_rate(&state.db, &auth.actor, &code, body).await?,
    ))
}

// ---------------------------------------------------------------- our company

/// Our company's details (the defaults until first saved).
#[utoipa::path(get, path = "/api/v1/company", tag = "catalog", responses((status = 200, body = Company), ReadErrors))]
pub async fn get_company(State(state): State<AppState>, _auth: Auth) -> ApiResult<Json<Company>> {
    Ok(Json(company::get(&state.db).await?))
}

/// Replace our company's details (administrators); absent fields take their defaults.
#[utoipa::path(put, path = "/api/v1/company", tag = "catalog", request_body = CompanyData,
    responses((status = 200, body = Company), WriteErrors))]
pub async fn put_company(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Company>> {
    Ok(Json(
        company::save(&state.db, &auth.actor, body, true).await?,
    ))
}

/// Change the fields sent (administrators).
#[utoipa::path(patch, path = "/api/v1/company", tag = "catalog", request_body = Object,
    responses((status = 200, body = Company), WriteErrors))]
pub async fn patch_company(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Company>> {
    Ok(Json(
        company::save(&state.db, &auth.actor, body, false).await?,
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_products, create_product))
        .routes(routes!(get_product, update_product, delete_product))
        .routes(routes!(product_price))
        .routes(routes!(list_units))
        .routes(routes!(list_vat_rates, create_vat_rate))
        .routes(routes!(update_vat_rate, delete_vat_rate))
        .routes(routes!(list_price_books, create_price_book))
        .routes(routes!(
            get_price_book,
            update_price_book,
            delete_price_book
        ))
        .routes(routes!(list_entries))
        .routes(routes!(put_entry, delete_entry))
        .routes(routes!(list_currencies, create_currency))
        .routes(routes!(get_currency, update_currency))
        .routes(routes!(list_rates, put_rate))
        .routes(routes!(get_company, put_company, patch_company))
}
