# hotline-gateway image. Build: docker build -t hotline-gateway .
# Not built on the development machines (no container engine there): see README "Verified where".
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY proto ./proto
COPY config ./config
COPY dialplans ./dialplans
USER node
EXPOSE 8080 50061
# SIGTERM drains in-flight work (README "Operations").
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
