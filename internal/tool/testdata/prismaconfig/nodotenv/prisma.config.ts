// Prisma 7 loads no .env itself: without dotenv the variable comes from
// the environment only.
import { defineConfig, env } from "prisma/config";

export default defineConfig({
  schema: "db/schema.prisma",
  datasource: { url: env("POSTGRES_PRISMA_URL") },
});
