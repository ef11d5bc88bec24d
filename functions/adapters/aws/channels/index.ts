// The Channels port on AWS: one sender per channel (SES v2 e-mail, End User Messaging SMS, SNS push).
// Each sender has the ChannelSender shape of functions/adapters/channels/router.ts, whose
// createChannels({email, sms, push, webhook}) routes by the message's channel.
export { type ClassifyOptions, classifyAwsError, retryAfterMsOf } from './classify';
export { type ChannelClientOptions, channelClientConfig } from './client-config';
export { createSesEmailSender, type EmailMessage, type SesEmailOptions } from './ses';
export { createSmsSender, type SmsMessage, type SmsOptions } from './sms';
export { createSnsPushSender, type PushMessage, type SnsPushOptions } from './sns-push';
