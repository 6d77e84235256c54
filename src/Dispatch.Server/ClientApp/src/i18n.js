// Chinese and English; the browser language decides, a switch overrides (remembered).
const texts = {
  en: {
    signOut: 'Sign out', takeOver: 'Take over this unit', signedOff: 'This terminal was signed off:', sessionEnded: 'Session ended; sign in again.',
    title: 'Dispatch command center', terminalTitle: 'Patrol terminal', connected: 'live', reconnecting: 'reconnecting…',
    disconnected: 'offline', allDistricts: 'All districts', districts: 'Districts', incidents: 'Incident queue',
    alerts: 'Alerts', units: 'Units by status', cameras: 'Camera health', compliance: "Today's tier compliance",
    connectedShare: 'connected', offline: 'Offline', none: 'none', openIncident: 'Open incident', dismiss: 'False alarm',
    assign: 'Assign', reassign: 'Reassign', unassign: 'Unassign', close: 'Close', disposition: 'Disposition',
    directive: 'Patrol directive', directiveHelp: 'Click the map to draw the area (3+ points), then send.',
    send: 'Send', cancel: 'Cancel', from: 'From', until: 'Until', note: 'Note', unitsField: 'Units (ids, comma separated)',
    nearestCameras: 'Nearest cameras', priority: 'Priority', age: 'Age', tiers: 'Tiers', met: 'met', atRisk: 'at risk',
    breached: 'breached', pending: 'pending', notRequired: 'not required', void: 'void', layers: 'Layers', grids: 'Grids',
    stations: 'Stations', camerasLayer: 'Cameras', unitsLayer: 'Units', incidentsLayer: 'Incidents', signIn: 'Sign in',
    unitId: 'Unit id', acknowledge: 'Acknowledge', enRoute: 'En route', onScene: 'On scene', clear: 'Clear',
    available: 'Available', noAssignment: 'No assignment', assignment: 'Assignment', queued: 'queued',
    simulate: 'Simulate driving', directives: 'Directives', status: 'Status', select: 'Select', ackBy: 'acknowledge by',
    fillUnits: 'Units in area', error: 'Error', New: 'new', Opened: 'opened', Dismissed: 'dismissed', language: '中文',
    Available: 'Available', Dispatched: 'Dispatched', Acknowledged: 'Acknowledged', EnRoute: 'En route', OnScene: 'On scene',
    Clearing: 'Clearing', OutOfService: 'Out of service', noData: 'no incidents today', selectIncident: 'Select an incident or alert',
    coverage: 'Coverage', showCoverage: 'Show 1/3/5-minute coverage', lostCoverage: 'Grids without 3-minute coverage',
    moveUps: 'Move-up recommendations', accept: 'Accept', acceptAll: 'Accept all', restores: 'restores',
    moveUpSent: 'Directive sent to', cityCovered: 'City area reached', availableUnitsShort: 'Available units',
    minutesShort: 'min', noRoads: 'No road network loaded: coverage is not available',
    earlyWarning: 'Early warning', showHotspots: 'Show hotspots', todaysWarnings: "Today's warnings", patrol: 'Patrol',
    patrolSent: 'Patrol directive sent to', hotspots: 'hotspots', perWeek: 'week', alertRates: 'Rising alert rates',
    usual: 'usual', exports: 'Outgoing CAP/EIDO', deadLetters: 'dead letters', delivered: 'delivered', retry: 'Retry',
    noWebhooks: 'No webhook configured',
  },
  zh: {
    signOut: '退出登录', takeOver: '接管此警力', signedOff: '本终端已被签退：', sessionEnded: '会话已结束，请重新登录。',
    title: '指挥调度中心', terminalTitle: '巡逻终端', connected: '实时', reconnecting: '重新连接中…', disconnected: '离线',
    allDistricts: '全部辖区', districts: '辖区', incidents: '警情队列', alerts: '告警', units: '警力状态', cameras: '摄像头状态',
    compliance: '今日1/3/5分钟达标率', connectedShare: '在线', offline: '离线', none: '无', openIncident: '生成警情',
    dismiss: '误报', assign: '派警', reassign: '改派', unassign: '撤回', close: '结案', disposition: '处置结果',
    directive: '巡逻指令', directiveHelp: '在地图上点击绘制区域（至少3点），然后发送。', send: '发送', cancel: '取消',
    from: '开始', until: '结束', note: '备注', unitsField: '警力编号（逗号分隔）', nearestCameras: '附近摄像头',
    priority: '等级', age: '时长', tiers: '梯队', met: '达标', atRisk: '临界', breached: '超时', pending: '进行中',
    notRequired: '无需', void: '作废', layers: '图层', grids: '网格', stations: '警务站', camerasLayer: '摄像头',
    unitsLayer: '警力', incidentsLayer: '警情', signIn: '登录', unitId: '警力编号', acknowledge: '签收', enRoute: '出发',
    onScene: '到场', clear: '处置完毕', available: '空闲', noAssignment: '暂无任务', assignment: '当前任务', queued: '待发送',
    simulate: '模拟行驶', directives: '巡逻指令', status: '状态', select: '选择', ackBy: '签收期限', fillUnits: '区域内警力',
    error: '错误', New: '新', Opened: '已立警', Dismissed: '已排除', language: 'English',
    Available: '空闲', Dispatched: '已派', Acknowledged: '已签收', EnRoute: '途中', OnScene: '到场', Clearing: '处置中',
    OutOfService: '离岗', noData: '今日暂无警情', selectIncident: '请选择警情或告警',
    coverage: '警力覆盖', showCoverage: '显示1/3/5分钟覆盖', lostCoverage: '失去3分钟覆盖的网格',
    moveUps: '警力前置建议', accept: '采纳', acceptAll: '全部采纳', restores: '恢复覆盖',
    moveUpSent: '已下达指令', cityCovered: '城区可达', availableUnitsShort: '可用警力',
    minutesShort: '分钟', noRoads: '未加载路网，无法计算覆盖',
    earlyWarning: '事件预警', showHotspots: '显示热点', todaysWarnings: '今日预警', patrol: '派巡', patrolSent: '已下达巡逻指令',
    hotspots: '个热点', perWeek: '周', alertRates: '告警频次异常', usual: '平时', exports: '对外推送 (CAP/EIDO)',
    deadLetters: '投递失败', delivered: '已投递', retry: '重试', noWebhooks: '未配置推送地址',
  },
};

let lang = localStorage.getItem('dispatch.lang')
  || ((navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en');

export const t = (key) => texts[lang][key] ?? texts.en[key] ?? key;
export const currentLanguage = () => lang;

export function toggleLanguage() {
  lang = lang === 'zh' ? 'en' : 'zh';
  localStorage.setItem('dispatch.lang', lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  return lang;
}

/** Fills every element with data-i18n="key". */
export function translatePage(root = document) {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  root.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
}
