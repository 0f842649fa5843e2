// The op table of tests/scenarios/README.md ("Operations") over the JS API of the package:
// op name -> [named arguments, call]. An argument ending in `?` may be left out (= null); the
// others are required. Adding an op is one line here.

const MINUTE = 60_000;

/** Ops that take no session (`as` must be absent). */
export const NO_SESSION = new Set(['login', 'login_external', 'verify_audit_chain', 'clock.advance', 'clock.set']);

/** `(registry, session, args, ctx) => result`; login ops return a Session for the harness. */
export const OPS = {
  // harness: the injected clock
  'clock.advance': [['days?', 'hours?', 'minutes?'], (r, s, a) => r.advanceClock(((a.days ?? 0) * 1440 + (a.hours ?? 0) * 60 + (a.minutes ?? 0)) * MINUTE)],
  'clock.set': [['at'], (r, s, a) => r.setClock(a.at)],
  // sessions and users
  login: [['login', 'password'], (r, s, a) => r.login(a.login, a.password)],
  login_external: [['principal'], (r, s, a) => r.loginExternal(a.principal)],
  logout: [[], (r, s) => r.logout(s)],
  whoami: [[], (r, s) => r.whoami(s)],
  add_user: [['user'], (r, s, a) => r.addUser(s, a.user)],
  list_users: [[], (r, s) => r.listUsers(s)],
  revoke_user: [['user_id', 'reason'], (r, s, a) => r.revokeUser(s, a.user_id, a.reason)],
  record_undertaking: [['user_id', 'undertaking'], (r, s, a) => r.recordUndertaking(s, a.user_id, a.undertaking)],
  user_id_by_login: [['login'], (r, s, a) => r.userIdByLogin(s, a.login)],
  // children and families
  register_child: [['child'], (r, s, a) => r.registerChild(s, a.child)],
  register_children: [['children'], (r, s, a) => r.registerChildren(s, a.children)],
  get_child: [['id'], (r, s, a) => r.getChild(s, a.id)],
  find_by_pin: [['pin'], (r, s, a) => r.findByPin(s, a.pin)],
  search: [['query'], (r, s, a) => r.search(s, a.query)],
  check_duplicates: [['child'], (r, s, a) => r.checkDuplicates(s, a.child)],
  update_child: [['id', 'changes', 'provenance', 'note?', 'base_version?'], (r, s, a) => r.updateChild(s, a.id, a.changes, a.provenance, a.note, a.base_version)],
  history: [['id'], (r, s, a) => r.history(s, a.id)],
  list_children: [['under?', 'offset', 'limit'], (r, s, a) => r.listChildren(s, a.under, a.offset, a.limit)],
  register_family: [['family', 'provenance'], (r, s, a) => r.registerFamily(s, a.family, a.provenance)],
  get_family: [['id'], (r, s, a) => r.getFamily(s, a.id)],
  update_family: [['id', 'changes', 'provenance', 'note?', 'base_version?'], (r, s, a) => r.updateFamily(s, a.id, a.changes, a.provenance, a.note, a.base_version)],
  link_child: [['child', 'family?', 'provenance'], (r, s, a) => r.linkChild(s, a.child, a.family, a.provenance)],
  // cases
  open_case: [['request'], (r, s, a) => r.openCase(s, a.request)],
  get_case: [['id'], (r, s, a) => r.getCase(s, a.id)],
  child_cases: [['child'], (r, s, a) => r.childCases(s, a.child)],
  transition: [['id', 'request'], (r, s, a) => r.transition(s, a.id, a.request)],
  save_assessment: [['id', 'assessment'], (r, s, a) => r.saveAssessment(s, a.id, a.assessment)],
  submit_assessment: [['id'], (r, s, a) => r.submitAssessment(s, a.id)],
  record_visit: [['id', 'visit'], (r, s, a) => r.recordVisit(s, a.id, a.visit)],
  programme_decision: [['id', 'decision'], (r, s, a) => r.programmeDecision(s, a.id, a.decision)],
  programme_contribution: [['id', 'contribution'], (r, s, a) => r.programmeContribution(s, a.id, a.contribution)],
  case_history: [['id'], (r, s, a) => r.caseHistory(s, a.id)],
  // plans
  propose_plan: [['id'], (r, s, a) => r.proposePlan(s, a.id)],
  accept_plan: [['id', 'accepted'], (r, s, a) => r.acceptPlan(s, a.id, a.accepted)],
  add_measure: [['id', 'measure'], (r, s, a) => r.addMeasure(s, a.id, a.measure)],
  change_measure: [['id', 'measure', 'change'], (r, s, a) => r.changeMeasure(s, a.id, a.measure, a.change)],
  drop_measure: [['id', 'measure', 'reason'], (r, s, a) => r.dropMeasure(s, a.id, a.measure, a.reason)],
  update_measure: [['id', 'measure', 'update'], (r, s, a) => r.updateMeasure(s, a.id, a.measure, a.update)],
  // deadlines
  due: [['query?'], (r, s, a) => r.due(s, a.query ?? {})],
  // administration and audit
  load_classifier: [['csv', 'effective'], (r, s, a) => r.loadClassifier(s, a.csv, a.effective)],
  verify_audit_chain: [[], (r) => r.verifyAuditChain()],
  verify_audit: [[], (r, s) => r.verifyAudit(s)],
  audit_entries: [['from', 'limit'], (r, s, a) => r.auditEntries(s, a.from, a.limit)],
  denied_attempts: [['since?'], (r, s, a) => r.deniedAttempts(s, a.since)],
  backup: [[], (r, s) => {
    const { file, ...summary } = r.backup(s); // the file is written to memory and discarded
    if (!(file instanceof Uint8Array) || file.length !== summary.bytes) throw new Error('backup: file and summary disagree');
    return summary;
  }],
};
