-- 我的诉求: a WeChat citizen's own requests, newest first (`Store::requests_of_openid`). Only
-- WeChat's requests carry an OpenID, so the index holds those alone, in the order the list shows.
CREATE INDEX requests_openid ON requests (contact_openid, received_at DESC, id DESC)
    WHERE contact_openid IS NOT NULL;
