import { pgTable, primaryKey, index } from "drizzle-orm/pg-core";
import * as t from "drizzle-orm/pg-core";
import { mood, shop, orderState } from "./enums";

// The callback form: columns from the builder argument, names from the
// keys through casing: "snake_case".
export const accounts = pgTable("accounts", (c) => ({
  id: c.uuid().primaryKey().defaultRandom(),
  displayName: c.varchar({ length: 80 }).notNull(),
  userID: c.integer(),
  htmlURL2: c.text(),
  feeling: mood().default("happy"),
  "quoted key": c.text("quoted_key").notNull(),
  scores: c.integer().array().array(),
  createdAt: c.timestamp({ withTimezone: true, precision: 6 }).notNull().defaultNow(),
  amount: c.numeric({ precision: 10 }),
  day: c.date({ mode: "string" }),
}));

export const memberships = pgTable(
  "memberships",
  {
    accountId: t.uuid("account_id").references(() => accounts.id),
    groupId: t.bigint("group_id", { mode: "bigint" }),
    note: t.char({ length: 2 }),
    flag: t.char(),
  },
  (table) => [primaryKey({ columns: [table.accountId, table.groupId] }), index().on(table.groupId)],
);

export const orders = shop.table("orders", {
  id: t.serial().primaryKey(),
  state: orderState().notNull(),
  at: t.time({ withTimezone: true }),
  span: t.interval(),
});
