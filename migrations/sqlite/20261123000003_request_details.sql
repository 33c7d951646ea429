-- What the hotline and WeChat channels add to a request: title, urgency, a category in words, the
-- area the operator named, an answer given on receipt, the operator, and confidentiality.
ALTER TABLE requests ADD COLUMN contact_confidential INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN title TEXT;
ALTER TABLE requests ADD COLUMN urgency TEXT NOT NULL DEFAULT 'normal' CHECK (urgency IN ('normal', 'urgent', 'critical'));
ALTER TABLE requests ADD COLUMN category_text TEXT;
ALTER TABLE requests ADD COLUMN area_hint TEXT;
ALTER TABLE requests ADD COLUMN answer TEXT;
ALTER TABLE requests ADD COLUMN operator TEXT;
