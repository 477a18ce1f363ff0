module.exports = { datasource: { url: process.env.INDEX_URL } }
