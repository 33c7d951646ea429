//! Access tokens, once for both backends (see `jiesu_ports::tokens`).

use jiesu_domain::ports::{AccessToken, AccessTokens, StoreError};

use crate::backend::{Backend, SqlStore};
use crate::dialect::{DbTime, Stmt, one, optional, run};
use crate::store_error;

#[derive(Debug, sqlx::FromRow)]
pub struct TokenRow {
    pub token: String,
    pub expires_at: DbTime,
}

impl From<TokenRow> for AccessToken {
    fn from(r: TokenRow) -> Self {
        Self { token: r.token, expires_at: r.expires_at.0 }
    }
}

impl<B: Backend> AccessTokens for SqlStore<B> {
    async fn access_token(&self, name: &str) -> Result<Option<AccessToken>, StoreError> {
        let s = Stmt::<B::Db>::new("SELECT token, expires_at FROM access_tokens WHERE name = $1")
            .bind(name.to_owned());
        let row: Option<TokenRow> = optional(&mut *self.read().await?, s).await.map_err(store_error)?;
        Ok(row.map(AccessToken::from))
    }

    async fn save_access_token(&self, name: &str, token: &AccessToken) -> Result<AccessToken, StoreError> {
        let mut tx = self.begin().await?;
        // The longer-lived token wins: two processes that refreshed at once agree on one.
        let s = Stmt::<B::Db>::new(
            "INSERT INTO access_tokens (name, token, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
             WHERE access_tokens.expires_at < excluded.expires_at",
        )
        .bind(name.to_owned())
        .bind(token.token.clone())
        .bind(DbTime(token.expires_at));
        run(&mut *tx, s).await.map_err(store_error)?;
        let s = Stmt::<B::Db>::new("SELECT token, expires_at FROM access_tokens WHERE name = $1")
            .bind(name.to_owned());
        let stored: TokenRow = one(&mut *tx, s).await.map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(stored.into())
    }

    async fn drop_access_token(&self, name: &str, token: &str) -> Result<bool, StoreError> {
        let s = Stmt::<B::Db>::new("DELETE FROM access_tokens WHERE name = $1 AND token = $2")
            .bind(name.to_owned())
            .bind(token.to_owned());
        Ok(run(&mut *self.write().await?, s).await.map_err(store_error)? > 0)
    }
}
