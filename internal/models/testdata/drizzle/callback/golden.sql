-- drizzle-kit 0.31.11 generate, drizzle-orm 0.45.4 (scripts/drizzle-goldens.sh)
CREATE SCHEMA "shop";
--> statement-breakpoint
CREATE TYPE "public"."Mood" AS ENUM('happy', 'sad');--> statement-breakpoint
CREATE TYPE "shop"."order_state" AS ENUM('new', 'paid');--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"display_name" varchar(80) NOT NULL,
	"user_id" integer,
	"html_url_2" text,
	"feeling" "Mood" DEFAULT 'happy',
	"quoted_key" text NOT NULL,
	"scores" integer[][],
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"amount" numeric(10),
	"day" date
);
--> statement-breakpoint
CREATE TABLE "memberships" (
	"account_id" uuid,
	"group_id" bigint,
	"note" char(2),
	"flag" char,
	CONSTRAINT "memberships_account_id_group_id_pk" PRIMARY KEY("account_id","group_id")
);
--> statement-breakpoint
CREATE TABLE "shop"."orders" (
	"id" serial PRIMARY KEY NOT NULL,
	"state" "shop"."order_state" NOT NULL,
	"at" time with time zone,
	"span" interval
);
--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "memberships_group_id_index" ON "memberships" USING btree ("group_id");