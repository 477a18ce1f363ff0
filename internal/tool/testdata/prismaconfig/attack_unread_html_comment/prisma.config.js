const a = 1 <!-- /*
module.exports = { datasource: { url: process.env.EVIL_URL } }
// */ module.exports = { datasource: { url: process.env.SAFE_URL } }
