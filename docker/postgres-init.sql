-- One database per lantian service plus the shared token register. Run by the postgres image
-- on first start only (when its data volume is empty); `lantian db upgrade` creates the tables.
CREATE DATABASE lantian_vehicles;
CREATE DATABASE lantian_gatecontrol;
CREATE DATABASE lantian_railshift;
CREATE DATABASE lantian_reports;
CREATE DATABASE lantian_auth;
