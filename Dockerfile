# epj-gateway: the gateway alone; Redis runs as its own service (set REDIS_URL).
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/var/lib/epj-gateway
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY adapters ./adapters
COPY certs-sample ./certs-sample
RUN mkdir -p /var/lib/epj-gateway && chown node:node /var/lib/epj-gateway
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM reaches node directly (exec form), so shutdown runs in order.
CMD ["node", "bin/epj-gateway.mjs", "serve"]
