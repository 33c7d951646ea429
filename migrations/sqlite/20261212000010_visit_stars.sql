-- The citizen's 1-5 star rating of the result, beside the satisfaction scale (issue 17).
ALTER TABLE return_visits ADD COLUMN stars INTEGER CHECK (stars BETWEEN 1 AND 5);
