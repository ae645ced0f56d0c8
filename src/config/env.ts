// The documented mapping from HOTLINE_* environment variables to configuration keys.
// README.md ("Configuration") lists the same table; a test keeps the two in step.

// hostport: "host:port" (or empty) sets <path>.host and <path>.port.
export type EnvKind = 'string' | 'int' | 'bool' | 'list' | 'hostport';

export interface EnvBinding {
  env: string;
  path: readonly string[];
  kind: EnvKind;
}

export const ENV_BINDINGS: readonly EnvBinding[] = [
  { env: 'HOTLINE_HTTP_HOST', path: ['http', 'host'], kind: 'string' },
  { env: 'HOTLINE_HTTP_PORT', path: ['http', 'port'], kind: 'int' },
  { env: 'HOTLINE_HTTP_TRUST_PROXY', path: ['http', 'trustProxy'], kind: 'list' },
  { env: 'HOTLINE_DATA_DIR', path: ['dataDir'], kind: 'string' },
  { env: 'HOTLINE_REDIS_URL', path: ['redis', 'url'], kind: 'string' },
  { env: 'HOTLINE_REDIS_PREFIX', path: ['redis', 'keyPrefix'], kind: 'string' },
  { env: 'HOTLINE_CORE_ADDRESS', path: ['core', 'address'], kind: 'string' },
  { env: 'HOTLINE_CORE_TOKEN', path: ['core', 'token'], kind: 'string' },
  { env: 'HOTLINE_CORE_TLS_CA', path: ['core', 'tlsCaFile'], kind: 'string' },
  { env: 'HOTLINE_DEV_CORE_FILE', path: ['devCore', 'file'], kind: 'string' },
  { env: 'HOTLINE_DEV_CORE_PORT', path: ['devCore', 'port'], kind: 'int' },
  { env: 'HOTLINE_DEV_CORE_TOKEN', path: ['devCore', 'token'], kind: 'string' },
  { env: 'HOTLINE_LOG_LEVEL', path: ['log', 'level'], kind: 'string' },
  // Text channels (WeChat, SMS, partner API)
  { env: 'HOTLINE_WECHAT_TOKEN', path: ['wechat', 'token'], kind: 'string' },
  { env: 'HOTLINE_WECHAT_APPID', path: ['wechat', 'appId'], kind: 'string' },
  { env: 'HOTLINE_WECHAT_AES_KEY', path: ['wechat', 'aesKey'], kind: 'string' },
  { env: 'HOTLINE_SMS_ALIYUN_SECRET', path: ['sms', 'aliyun', 'secret'], kind: 'string' },
  { env: 'HOTLINE_SMS_ALIYUN_ALLOW_FROM', path: ['sms', 'aliyun', 'allowFrom'], kind: 'list' },
  { env: 'HOTLINE_SMS_ALIYUN_ACCESS_KEY_ID', path: ['sms', 'aliyun', 'send', 'accessKeyId'], kind: 'string' },
  { env: 'HOTLINE_SMS_ALIYUN_ACCESS_KEY_SECRET', path: ['sms', 'aliyun', 'send', 'accessKeySecret'], kind: 'string' },
  { env: 'HOTLINE_SMS_TENCENT_SECRET', path: ['sms', 'tencent', 'secret'], kind: 'string' },
  { env: 'HOTLINE_SMS_TENCENT_ALLOW_FROM', path: ['sms', 'tencent', 'allowFrom'], kind: 'list' },
  { env: 'HOTLINE_SMS_TENCENT_SECRET_ID', path: ['sms', 'tencent', 'send', 'secretId'], kind: 'string' },
  { env: 'HOTLINE_SMS_TENCENT_SECRET_KEY', path: ['sms', 'tencent', 'send', 'secretKey'], kind: 'string' },
  { env: 'HOTLINE_PARTNER_KEYS', path: ['partner', 'keys'], kind: 'string' },
  // --- intake rules and abuse limits (issue 3) ---
  { env: 'HOTLINE_RULES_FILE', path: ['rules', 'file'], kind: 'string' },
  // People, tokens and the agent desktop (issue 5)
  { env: 'HOTLINE_AUTH_TOKEN_SECRET', path: ['auth', 'tokenSecret'], kind: 'string' },
  { env: 'HOTLINE_AUTH_TOKEN_TTL_MINUTES', path: ['auth', 'tokenTtlMinutes'], kind: 'int' },
  { env: 'HOTLINE_BOOTSTRAP_ADMIN', path: ['auth', 'bootstrapAdmin', 'username'], kind: 'string' },
  { env: 'HOTLINE_BOOTSTRAP_ADMIN_PASSWORD', path: ['auth', 'bootstrapAdmin', 'password'], kind: 'string' },
  // Telephony (issue 4)
  { env: 'HOTLINE_DEV_CORE_CALLS_FILE', path: ['devCore', 'callsFile'], kind: 'string' },
  { env: 'HOTLINE_IVR_FILE', path: ['telephony', 'ivrFile'], kind: 'string' },
  { env: 'HOTLINE_RECORDINGS_DIR', path: ['telephony', 'recordingsDir'], kind: 'string' },
  // SIP front (issue 4)
  { env: 'HOTLINE_DRACHTIO', path: ['sip', 'drachtio'], kind: 'hostport' },
  { env: 'HOTLINE_DRACHTIO_SECRET', path: ['sip', 'drachtio', 'secret'], kind: 'string' },
  // FreeSWITCH Event Socket (issue 4)
  { env: 'HOTLINE_FS_ESL', path: ['freeswitch', 'servers'], kind: 'list' },
  { env: 'HOTLINE_FS_PASSWORD', path: ['freeswitch', 'password'], kind: 'string' },
  // Callbacks, surveys and the control port (issue 6)
  { env: 'HOTLINE_GRPC_PORT', path: ['control', 'port'], kind: 'int' },
  { env: 'HOTLINE_CONTROL_TOKEN', path: ['control', 'token'], kind: 'string' },
  { env: 'HOTLINE_DEV_CORE_SURVEYS_FILE', path: ['devCore', 'surveysFile'], kind: 'string' },
  { env: 'HOTLINE_SURVEY_SMS_PROVIDER', path: ['surveys', 'sms', 'provider'], kind: 'string' },
];

/** Variables that are not configuration keys but are read by the loader itself. */
export const LOADER_VARIABLES = ['HOTLINE_CONFIG'] as const;
