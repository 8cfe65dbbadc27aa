# govcheck image: Debian's Chromium (never a downloaded browser), a CJK font for screenshots.
# One image for every role: `govcheck worker`, `govcheck collect`, `govcheck serve`, one-off commands
# (see docker-compose.yml and the README section "Docker").
FROM node:20-bookworm-slim AS build
WORKDIR /app
# playwright-core never downloads a browser; say so anyway, so no install step tries.
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY checks ./checks
COPY queues ./queues
COPY bench ./bench
COPY tests/fixtures ./tests/fixtures
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends chromium fonts-wqy-zenhei ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown node:node /data
ENV NODE_ENV=production PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
# The SQLite store and evidence live in /data (a volume); Chromium runs with --no-sandbox as this user.
USER node
VOLUME ["/data"]
# 8080: govcheck serve; 9464: worker metrics (--metrics-port 9464).
EXPOSE 8080 9464
ENTRYPOINT ["node", "dist/src/cli/index.js"]
CMD ["--help"]
