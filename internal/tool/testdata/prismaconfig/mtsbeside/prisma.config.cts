import { defineConfig, env } from 'prisma/config'

export default defineConfig({
  datasource: { url: env('CTS_URL') },
})
