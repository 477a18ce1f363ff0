-- drizzle-kit 0.31.11 generate, drizzle-orm 0.45.4 (scripts/drizzle-goldens.sh)
CREATE SCHEMA "billing";
--> statement-breakpoint
CREATE TYPE "public"."role" AS ENUM('user', 'admin');--> statement-breakpoint
CREATE TABLE "billing"."invoices" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "billing"."invoices_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"total" numeric
);
--> statement-breakpoint
CREATE TABLE "posts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"author_id" integer NOT NULL,
	"title" varchar(200) NOT NULL,
	"slug" varchar(100),
	"body" text,
	"views" bigint DEFAULT 0,
	"rank" smallint,
	"code" char(3),
	"published" boolean DEFAULT false NOT NULL,
	"ratio" real,
	"day" date,
	"at" time(3),
	"ttl" interval,
	"meta" json,
	"ref" uuid DEFAULT gen_random_uuid(),
	"ip" "inet",
	"edited_at" timestamp(3)
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" serial PRIMARY KEY NOT NULL,
	"email" varchar(255) NOT NULL,
	"name" text,
	"role" "role" DEFAULT 'user' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"score" double precision,
	"balance" numeric(12, 2),
	"tags" text[],
	"settings" jsonb DEFAULT '{"theme":"dark"}'::jsonb,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
ALTER TABLE "posts" ADD CONSTRAINT "posts_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "posts_author_idx" ON "posts" USING btree ("author_id");