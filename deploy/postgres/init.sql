-- One database per service: services never read each other's tables.
CREATE DATABASE lianxin_roster;
CREATE DATABASE lianxin_liaison;
CREATE DATABASE lianxin_balloting;
CREATE DATABASE lianxin_supervision;
CREATE DATABASE lianxin_evaluation;
CREATE DATABASE lianxin_identity;
