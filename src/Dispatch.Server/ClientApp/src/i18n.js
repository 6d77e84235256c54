// Chinese and English; the browser language decides, a switch overrides (remembered).
const texts = {
  en: {
    signOut: 'Sign out', takeOver: 'Take over this unit', signedOff: 'This terminal was signed off:', sessionEnded: 'Session ended; sign in again.',
    title: 'Dispatch command center', terminalTitle: 'Patrol terminal', connected: 'live', reconnecting: 'reconnecting…',
    disconnected: 'offline', allDistricts: 'All districts', districts: 'Districts', incidents: 'Incident queue',
    alerts: 'Alerts', units: 'Units by status', cameras: 'Camera health', compliance: 'Tier compliance by district',
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
    registered: 'registered', reporting: 'reporting', online: 'online', neverReported: 'never reported',
    noComplianceData: 'no data yet: no tier has been met or missed that day', district: 'District', allTiers: 'All',
    stationOnScene: 'Station on scene', outOfService: 'Out of service', backInService: 'Back in service',
    reason: 'Reason', reasonRequired: 'Give a reason', signOff: 'Sign off unit', eta: 'ETA', route: 'Route',
    distance: 'distance', noPosition: 'waiting for a position fix', unknownUnitHelp: 'Check the unit id and sign in again.',
    incidentList: 'Incident list', search: 'Search', date: 'Date', fromTime: 'From', untilTime: 'Until', more: 'More',
    anyStatus: 'Any status', anyType: 'Any type', anyPriority: 'Any priority', found: 'found', noIncidentsFound: 'No incidents found',
    created: 'Created', reach: 'Reach', reachHelp: 'Shaded: where a patrol car must be to reach the scene within each target',
    camerasClustered: 'cameras', streets: 'Streets', closeList: 'Close', incidentClosed: 'closed',
    typeHeader: 'Type', stationsLayer: 'Stations', units_car: 'car', units_motorcycle: 'motorcycle', units_bicycle: 'bicycle', units_foot: 'on foot',
  },
  zh: {
    signOut: '退出登录', takeOver: '接管此警力', signedOff: '本终端已被签退：', sessionEnded: '会话已结束，请重新登录。',
    title: '指挥调度中心', terminalTitle: '巡逻终端', connected: '实时', reconnecting: '重新连接中…', disconnected: '离线',
    allDistricts: '全部辖区', districts: '辖区', incidents: '警情队列', alerts: '告警', units: '警力状态', cameras: '摄像头状态',
    compliance: '各辖区1/3/5分钟达标率', connectedShare: '在线', offline: '离线', none: '无', openIncident: '生成警情',
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
    registered: '已登记', reporting: '上报中', online: '在线', neverReported: '从未上报',
    noComplianceData: '暂无数据：当日尚无达标或超时的梯队', district: '辖区', allTiers: '全部',
    stationOnScene: '警务站到场', outOfService: '暂停执勤', backInService: '恢复执勤',
    reason: '原因', reasonRequired: '请填写原因', signOff: '签退警力', eta: '预计到达', route: '路线',
    distance: '距离', noPosition: '等待定位', unknownUnitHelp: '请核对警力编号后重新登录。',
    incidentList: '警情列表', search: '查询', date: '日期', fromTime: '开始', untilTime: '结束', more: '更多',
    anyStatus: '全部状态', anyType: '全部类型', anyPriority: '全部等级', found: '条', noIncidentsFound: '未找到警情',
    created: '接警时间', reach: '可达范围', reachHelp: '阴影：巡逻车在此范围内可在各梯队时限内到场',
    camerasClustered: '个摄像头', streets: '街道', closeList: '关闭', incidentClosed: '已结案',
    typeHeader: '类型', stationsLayer: '警务站', units_car: '汽车', units_motorcycle: '摩托车', units_bicycle: '自行车', units_foot: '步巡',
  },
};

// Values that arrive as data (incident types, alert kinds, tier names, statuses, dispositions), by group.
const values = {
  type: {
    en: {
      theft: 'Theft', disturbance: 'Disturbance', 'traffic-accident': 'Traffic accident', assault: 'Assault', 'person-down': 'Person down',
      fire: 'Fire', intrusion: 'Intrusion', 'suspicious-person': 'Suspicious person', 'public-order': 'Public order', vehicle: 'Vehicle',
      'panic-alarm': 'Panic alarm', 'sensor-alarm': 'Sensor alarm', burglary: 'Burglary', robbery: 'Robbery', fraud: 'Fraud', 'missing-person': 'Missing person',
    },
    zh: {
      theft: '盗窃', disturbance: '扰乱秩序', 'traffic-accident': '交通事故', assault: '殴打他人', 'person-down': '人员倒地',
      fire: '火情', intrusion: '非法闯入', 'suspicious-person': '可疑人员', 'public-order': '聚集滋事', vehicle: '车辆异常',
      'panic-alarm': '一键报警', 'sensor-alarm': '传感器报警', burglary: '入室盗窃', robbery: '抢劫', fraud: '诈骗', 'missing-person': '人员走失',
    },
  },
  kind: {
    en: {
      Intrusion: 'Intrusion', LineCrossing: 'Line crossing', Loitering: 'Loitering', Crowd: 'Crowd', Fight: 'Fight', Fall: 'Person fallen',
      FireOrSmoke: 'Fire or smoke', Vehicle: 'Vehicle', PanicButton: 'Panic button', Sensor: 'Sensor',
    },
    zh: {
      Intrusion: '区域入侵', LineCrossing: '越线', Loitering: '徘徊', Crowd: '人员聚集', Fight: '打架斗殴', Fall: '人员摔倒',
      FireOrSmoke: '烟火', Vehicle: '车辆', PanicButton: '一键报警', Sensor: '传感器',
    },
  },
  tier: {
    en: { station: 'Station', patrol: 'Patrol', reinforcement: 'Reinforcement' },
    zh: { station: '警务站', patrol: '巡逻警力', reinforcement: '增援' },
  },
  status: {
    en: {
      Open: 'Open', Closed: 'Closed', Cancelled: 'Cancelled', Dispatched: 'Dispatched', Acknowledged: 'Acknowledged', EnRoute: 'En route',
      OnScene: 'On scene', Cleared: 'Cleared', Released: 'Released', Available: 'Available', Clearing: 'Clearing', OutOfService: 'Out of service',
    },
    zh: {
      Open: '处置中', Closed: '已结案', Cancelled: '已撤销', Dispatched: '已派', Acknowledged: '已签收', EnRoute: '途中',
      OnScene: '到场', Cleared: '处置完毕', Released: '已撤回', Available: '空闲', Clearing: '处置中', OutOfService: '暂停执勤',
    },
  },
  disposition: {
    en: { resolved: 'Resolved', 'false alarm': 'False alarm', 'no offence': 'No offence', referred: 'Referred', arrested: 'Arrest made' },
    zh: { resolved: '已处置', 'false alarm': '误报', 'no offence': '无违法行为', referred: '已移交', arrested: '已抓获' },
  },
  source: {
    en: { Call: '110 call', Operator: 'Operator', Camera: 'Camera', Sensor: 'Sensor' },
    zh: { Call: '110报警', Operator: '指挥员', Camera: '视频告警', Sensor: '传感器' },
  },
  priority: {
    en: { Critical: 'Critical', High: 'High', Normal: 'Normal', Low: 'Low' },
    zh: { Critical: '特急', High: '紧急', Normal: '一般', Low: '较低' },
  },
};

let lang = localStorage.getItem('dispatch.lang')
  || ((navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en');

export const t = (key) => texts[lang][key] ?? texts.en[key] ?? key;
export const currentLanguage = () => lang;

/** A data value in the page's language ("theft" as 盗窃); the value itself when the dictionary does not know it. */
export const tv = (group, value) => {
  if (value == null) return '';
  const key = String(value);
  return values[group]?.[lang]?.[key] ?? values[group]?.[lang]?.[key.toLowerCase()] ?? values[group]?.en?.[key] ?? key;
};

/** A place's name in the page's language: the English name in English where the city file has one. */
export const placeName = (item) => (lang === 'en' && item?.nameEn ? item.nameEn : item?.name ?? item?.id ?? '');

const languageListeners = [];

/** Called after every language switch (to redraw what carries names: the map's labels, the lists). */
export const onLanguageChange = (listener) => { languageListeners.push(listener); };

export function toggleLanguage() {
  lang = lang === 'zh' ? 'en' : 'zh';
  localStorage.setItem('dispatch.lang', lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const listener of languageListeners) listener(lang);
  return lang;
}

/** Fills every element with data-i18n="key". */
export function translatePage(root = document) {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  root.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
}
