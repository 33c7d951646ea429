//! Staff members' notice settings, once for both backends (see `jiesu_ports::notifications`).

use chrono::{DateTime, Utc};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::notice::{EmailAddress, NoticePrefs, StaffNotices};
use jiesu_domain::ports::{StaffPrefs, StoreError};
use jiesu_domain::staff::{StaffRole, UserId, Username};
use uuid::Uuid;

use crate::backend::{Backend, SqlStore};
use crate::dialect::{DbTime, Stmt, all, optional, run};
use crate::records::CorruptRow;
use crate::{corrupt, store_error};

#[derive(Debug, sqlx::FromRow)]
pub struct PrefsRow {
    pub how: Option<String>,
    pub email: Option<String>,
    pub wecom_id: Option<String>,
}

#[derive(Debug, sqlx::FromRow)]
pub struct StaffPrefsRow {
    pub id: Uuid,
    pub username: String,
    pub role: String,
    pub bureau: Option<String>,
    #[sqlx(flatten)]
    pub prefs: PrefsRow,
}

fn bad(message: String) -> StoreError {
    corrupt(CorruptRow { table: "staff_notice_prefs", message })
}

impl TryFrom<PrefsRow> for NoticePrefs {
    type Error = StoreError;
    fn try_from(r: PrefsRow) -> Result<Self, StoreError> {
        let how = match r.how {
            None => StaffNotices::default(),
            Some(h) => StaffNotices::parse(&h).ok_or_else(|| bad(format!("how `{h}`")))?,
        };
        let email = r.email.map(|e| EmailAddress::parse(&e).map_err(|e| bad(e.to_string()))).transpose()?;
        Ok(Self { how, email, wecom_id: r.wecom_id })
    }
}

impl TryFrom<StaffPrefsRow> for StaffPrefs {
    type Error = StoreError;
    fn try_from(r: StaffPrefsRow) -> Result<Self, StoreError> {
        Ok(Self {
            user: UserId::from_uuid(r.id),
            username: Username::parse(&r.username).map_err(|e| bad(e.to_string()))?,
            role: StaffRole::parse(&r.role).ok_or_else(|| bad(format!("role `{}`", r.role)))?,
            bureau: r.bureau.map(|b| BureauCode::parse(&b).map_err(|e| bad(e.to_string()))).transpose()?,
            prefs: r.prefs.try_into()?,
        })
    }
}

impl<B: Backend> SqlStore<B> {
    pub(crate) async fn all_staff_prefs(&self) -> Result<Vec<StaffPrefs>, StoreError> {
        let s = Stmt::<B::Db>::new(
            "SELECT u.id, u.username, u.role, u.bureau, p.how, p.email, p.wecom_id
             FROM users u LEFT JOIN staff_notice_prefs p ON p.user_id = u.id
             WHERE NOT u.disabled ORDER BY u.username",
        );
        let rows: Vec<StaffPrefsRow> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        rows.into_iter().map(StaffPrefs::try_from).collect()
    }

    pub(crate) async fn prefs_of(&self, user: UserId) -> Result<NoticePrefs, StoreError> {
        let s = Stmt::<B::Db>::new("SELECT how, email, wecom_id FROM staff_notice_prefs WHERE user_id = $1")
            .bind(user.as_uuid());
        let row: Option<PrefsRow> = optional(&mut *self.read().await?, s).await.map_err(store_error)?;
        row.map_or(Ok(NoticePrefs::default()), NoticePrefs::try_from)
    }

    pub(crate) async fn save_prefs(
        &self,
        user: UserId,
        prefs: &NoticePrefs,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let s = Stmt::<B::Db>::new(
            "INSERT INTO staff_notice_prefs (user_id, how, email, wecom_id, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (user_id) DO UPDATE SET how = excluded.how, email = excluded.email,
                 wecom_id = excluded.wecom_id, updated_at = excluded.updated_at",
        )
        .bind(user.as_uuid())
        .bind(prefs.how.as_str().to_owned())
        .bind(prefs.email.as_ref().map(|e| e.as_str().to_owned()))
        .bind(prefs.wecom_id.clone())
        .bind(DbTime(at));
        run(&mut *self.write().await?, s).await.map_err(store_error)?;
        Ok(())
    }
}
