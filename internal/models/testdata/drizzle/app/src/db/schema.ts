import { pgTable, pgEnum, pgSchema, serial, bigserial, integer, smallint, bigint, text, varchar, char, boolean, real, doublePrecision, numeric, timestamp, date, time, interval, json, jsonb, uuid, inet, index } from "drizzle-orm/pg-core";

export const roleEnum = pgEnum("role", ["user", "admin"]);

export const users = pgTable("users", {
  id: serial("id").primaryKey(),
  email: varchar("email", { length: 255 }).notNull().unique(),
  name: text("name"),
  role: roleEnum("role").default("user").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
  score: doublePrecision("score"),
  balance: numeric("balance", { precision: 12, scale: 2 }),
  tags: text("tags").array(),
  settings: jsonb("settings").$type<{ theme: string }>().default({ theme: "dark" }),
});

export const posts = pgTable(
  "posts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    authorId: integer("author_id").notNull().references(() => users.id),
    title: varchar("title", { length: 200 }).notNull(),
    slug: varchar({ length: 100 }),
    body: text(),
    views: bigint("views", { mode: "number" }).default(0),
    rank: smallint("rank"),
    code: char("code", { length: 3 }),
    published: boolean("published").default(false).notNull(),
    ratio: real("ratio"),
    day: date("day"),
    at: time("at", { precision: 3 }),
    ttl: interval("ttl"),
    meta: json("meta"),
    ref: uuid("ref").defaultRandom(),
    ip: inet("ip"),
    editedAt: timestamp("edited_at", { precision: 3, mode: "string" }),
  },
  (t) => [index("posts_author_idx").on(t.authorId)],
);

export const billing = pgSchema("billing");

export const invoices = billing.table("invoices", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  total: numeric("total"),
});
