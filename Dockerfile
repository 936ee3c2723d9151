# Worker image for docker-compose.yml (see docs/deployment.md).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
# Only src/ is in the context's copy, so the build compiles the service alone;
# then drop devDependencies so the runtime stage copies production modules only.
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/lib/src ./lib/src
# Files stay root-owned and read-only to the process; it runs as the image's
# unprivileged "node" user.
USER node
CMD ["node", "lib/src/worker.js"]
