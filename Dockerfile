# Shoebox: one image for the app (server, workers, CLI). The server is compiled by esbuild
# into dist/server.mjs at build time (bin/build.mjs; esbuild is a dependency, not a dev
# dependency); the CLI runs its TypeScript through tsx. No dev dependencies in the image.
#
#   docker build -t shoebox .
#   docker run -p 3000:3000 -v shoebox-data:/data shoebox      # embedded PGlite in /data/db
#
# compose.yaml runs it with Postgres and nginx.
FROM node:22-bookworm-slim

# ffmpeg: video posters and web-playable copies (without it videos still upload).
# postgresql-client-15: pg_dump for `shoebox backup` with DATABASE_URL; its major version is
# the one compose.yaml's Postgres runs (a pg_dump older than its server refuses to dump it).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg postgresql-client-15 ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# Runs as an unprivileged user. Its group is gid 101, the group nginx workers run as in
# the official nginx image: with MEDIA_ACCEL=nginx, nginx reads media files from the same
# volume (read-only) and needs to get through /data, which is 0750 here.
RUN (getent group 101 >/dev/null || groupadd --system --gid 101 shoebox) \
 && useradd --system --uid 10001 --gid 101 --home-dir /app --shell /usr/sbin/nologin shoebox \
 && mkdir -p /data \
 && chown 10001:101 /data \
 && chmod 0750 /data

WORKDIR /app
ENV NODE_ENV=production

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY static ./static
COPY views ./views
COPY src ./src
RUN node bin/build.mjs
# `shoebox <command>` on the PATH: docker compose exec app shoebox --help
RUN ln -s /app/bin/shoebox.js /usr/local/bin/shoebox

USER shoebox
ENV DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=3000
VOLUME ["/data"]
EXPOSE 3000

# The first start on an empty /data runs initdb for the embedded database (~10 s here,
# longer on a small VPS); with DATABASE_URL it is ready in a few seconds.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node is PID 1 and handles SIGTERM itself: stops accepting, lets requests finish, exits 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/server.mjs"]
