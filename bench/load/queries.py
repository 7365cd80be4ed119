"""Search queries the load test sends (shared by locustfile.py and profile_pages.py)."""

#: What people type: industrial terms, phrases of several terms, enterprise names (one typo).
QUERIES = [
    "激光焊接", "机器视觉", "缺陷检测", "储能系统", "碳化硅", "数字孪生", "工业机器人",
    "电池托盘", "柔性屏", "基因测序", "无人机巡检", "合成生物", "装配式建筑", "船舶涂装",
    "伺服电机 减速器", "锂电池 热管理", "大模型 智能客服", "晶圆检测", "工业软件 MES",
    "智能网联汽车", "医疗器械注册", "高分子材料改性", "轨道交通信号系统", "边缘计算",
    "星瀚精密", "穗驰汽车", "曜晶新型显示", "康瑞生物医药", "光启智能", "华启机器人",
]
