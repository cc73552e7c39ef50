"""Traditional -> simplified folding of the characters trade posts use, for features only.

Taiwanese and Hong Kong sellers write 資料/數據/帳號/銀行卡/身份證; the
phrase banks and lexicons are simplified Chinese. Folding one character to
one character keeps lengths (and so offsets) unchanged; it is applied to
the classifier's view of the text only, never to what is stored or shown.
Covers the few hundred characters common in listings, not all of Chinese.
"""

from __future__ import annotations

_PAIRS = (
    "數数據据資资訊讯號号碼码電电話话個个會会員员銀银帳帐賬账戶户機机開开選选錄录單单"
    "網网購购買买賣卖貨货發发郵邮寄寄遞递車车業业務务關关係系無无實实證证護护驗验"
    "學学醫医療疗病病員员職职歷历歷历聯联絡络絡络區区縣县鄉乡鎮镇省省臺台灣湾國国際际"
    "詢询查查檔档當当麼么們们這这說说讓让對对從从來来時时間间後后與与為为於于點点擊击"
    "線线頁页圖图視视頻频語语書书廣广東东錢钱價价額额筆笔貸贷債债險险費费虧亏盤盘"
    "庫库據据濟济幣币實实現现補补獨独內内導导屬属舊旧鮮鲜質质優优條条組组萬万億亿"
    "種种類类級级紀纪約约紅红綠绿藍蓝黃黄龍龙門门問问間间陽阳陰阴雲云風风飛飞馬马魚鱼"
    "鳥鸟麥麦齊齐齒齿們们傳传僅仅優优價价儲储兒儿內内冊册寫写劃划劑剂勞劳勢势區区卻却"
    "參参雙双變变號号嚴严團团園园圍围場场壞坏壓压處处備备夠够婦妇媽妈孫孙寶宝寧宁專专"
    "將将對对導导層层嶺岭幾几庫库廳厅彈弹徵征態态慣惯應应戲戏擁拥據据擇择擔担換换損损"
    "搖摇撥拨擊击擴扩攜携敗败數数斷断時时書书會会極极樂乐標标機机檢检權权歲岁歸归氣气"
    "漢汉淨净測测滿满澤泽災灾為为無无煙烟熱热爭争爾尔牆墙獎奖獲获環环產产畫画當当療疗"
    "盡尽監监盤盘眾众礦矿禮礼離离種种積积穩稳競竞筆笔節节範范簡简糧粮紙纸紹绍終终結结"
    "給给統统絲丝經经綜综維维網网緊紧編编練练縮缩總总績绩繼继續续缺缺罰罚義义習习聞闻"
    "聲声肅肃腦脑臉脸興兴舉举艱艰藝艺藥药蘇苏處处號号蟲虫術术衛卫補补裝装製制複复規规"
    "親亲觀观計计訂订記记設设許许診诊詳详認认誠诚誤误請请諾诺謝谢證证識识議议讀读變变"
    "負负財财責责貨货販贩貴贵費费資资賓宾賠赔賺赚購购贈赠趙赵跡迹踐践車车軍军軟软載载"
    "輕轻輸输轉转辦办農农運运過过達达遠远適适選选邊边鄰邻鐘钟鐵铁錯错鍵键長长門门閉闭"
    "開开間间閱阅隊队陸陆隱隐雜杂難难電电靈灵須须順顺預预領领頭头題题顏颜類类顯显飯饭"
    "館馆驅驱驗验體体髮发鬥斗麗丽黨党齡龄"
)
TRAD_TO_SIMP = str.maketrans({_PAIRS[i]: _PAIRS[i + 1] for i in range(0, len(_PAIRS) - 1, 2)})
