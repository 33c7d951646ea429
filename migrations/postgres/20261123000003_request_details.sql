-- What the hotline and WeChat channels add to a request: title, urgency, a category in words, the
-- area the operator named, an answer given on receipt, the operator, and confidentiality.
ALTER TABLE requests
    ADD COLUMN contact_confidential boolean NOT NULL DEFAULT false,
    ADD COLUMN title text,
    ADD COLUMN urgency text NOT NULL DEFAULT 'normal' CHECK (urgency IN ('normal', 'urgent', 'critical')),
    ADD COLUMN category_text text,
    ADD COLUMN area_hint text,
    ADD COLUMN answer text,
    ADD COLUMN operator text;
