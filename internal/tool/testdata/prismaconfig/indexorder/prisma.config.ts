export default { datasource: { url: process.env.FILE_URL } }
