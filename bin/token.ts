// `npm run token -- --role <role> [--customer <uuid>] [--site <uuid>]… [--expires 12h]`: print a
// development JWT signed with the configured JWT_SECRET, for Apollo Sandbox and scripts.
import { parseArgs } from 'node:util';
import { roles, signDevelopmentToken, type Role } from '../core/auth.ts';
import { loadCliConfig } from './cli.ts';

const { config } = loadCliConfig();
const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'viewer' },
    customer: { type: 'string' },
    site: { type: 'string', multiple: true },
    expires: { type: 'string', default: '12h' },
  },
});
if (!roles.includes(values.role as Role)) {
  console.error(`unknown role "${values.role}"; one of: ${roles.join(', ')}`);
  process.exit(2);
}
if (config.NODE_ENV === 'production') {
  console.error('npm run token signs development tokens only; refused with NODE_ENV=production');
  process.exit(2);
}
try {
  const token = await signDevelopmentToken({
    role: values.role as Role,
    customerId: values.customer,
    siteIds: values.site,
    expiresIn: values.expires,
    secret: config.JWT_SECRET,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  });
  console.log(token);
} catch (error) {
  console.error(`cannot sign token: ${(error as Error).message}`);
  process.exit(2);
}
