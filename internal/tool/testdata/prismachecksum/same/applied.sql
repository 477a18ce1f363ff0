CREATE TABLE "User" (id serial PRIMARY KEY);
ALTER TABLE "User" ADD COLUMN email text;
