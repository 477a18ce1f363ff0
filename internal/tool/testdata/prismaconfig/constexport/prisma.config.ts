import 'dotenv/config'
import { defineConfig, env } from 'prisma/config'

const config = defineConfig({
  schema: 'prisma/schema.prisma',
  datasource: { url: env<{ DIRECT_URL: string }>('DIRECT_URL') },
})

export default config
