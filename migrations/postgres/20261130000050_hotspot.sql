-- The hotspot trigger looks for open requests of one category inside a latitude/longitude
-- rectangle around a new request, received within the last days. The index answers that search
-- from its entries alone: equality on the category, a range on the latitude, then the longitude
-- and the time checked in the index; closed requests are left out of it, as out of the search.
CREATE INDEX requests_open_category_point ON requests (category, lat, lon, received_at)
    WHERE status <> 'closed';
