"""A tiny blog backend: posts, their tags and slugs. Broken twice, for cockpit export's
end-to-end tests: ``app.models`` never imports Tag (the mappers fail to configure), and
``slugify`` joins words with underscores instead of hyphens."""
