module.exports = { datasource: { url: process.env.JS_URL } }
