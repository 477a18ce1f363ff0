export default {
  schema: './prisma/schema.prisma',
} as const satisfies {
  schema: string;
};
