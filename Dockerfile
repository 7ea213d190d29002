# syntax=docker/dockerfile:1
# Multi-stage build of the controller: compile with the workspace's dev dependencies, then keep only the
# compiled packages and production dependencies on a pinned Node 24 base, running as a non-root user.
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /src
RUN npm install -g pnpm@10.34.9
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.json ./
COPY packages ./packages
COPY test/package.json ./test/package.json
RUN pnpm install --frozen-lockfile
RUN pnpm exec tsc -b packages/controller
# Production dependencies only, for the controller and the workspace packages it imports.
RUN rm -rf node_modules packages/*/node_modules \
 && pnpm install --frozen-lockfile --prod --filter @ipac/controller...

FROM node:24.21.0-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/packages ./packages
USER 65532:65532
EXPOSE 9999
# The same command the tests start (test/e2e/controller-process.e2e.test.ts).
ENTRYPOINT ["node", "packages/controller/dist/main.js"]
